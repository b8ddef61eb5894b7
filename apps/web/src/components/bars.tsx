/** A compact horizontal bar list (server component): label, count, bar proportional to the max. */
export function BarList({
  items,
  max = 8,
  format,
}: {
  items: { key: string; count: number }[]
  max?: number
  format: (n: number) => string
}) {
  const top = items.slice(0, max)
  const peak = Math.max(1, ...top.map((i) => i.count))
  return (
    <div style={{ display: 'flex', flexDirection: 'column', gap: 4 }}>
      {top.map((i) => (
        <div key={i.key}>
          <div className="row small" style={{ justifyContent: 'space-between' }}>
            <span>{i.key}</span>
            <span className="muted">{format(i.count)}</span>
          </div>
          <div className="bar" style={{ width: `${(100 * i.count) / peak}%` }} />
        </div>
      ))}
      {items.length > max ? <span className="small muted">+{items.length - max}</span> : null}
    </div>
  )
}

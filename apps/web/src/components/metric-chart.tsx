'use client'
import { useFormatter, useTranslations } from 'next-intl'
import { useEffect, useRef, useState } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

const RANGES = [
  ['1h', 3600_000],
  ['6h', 6 * 3600_000],
  ['24h', 86_400_000],
  ['7d', 7 * 86_400_000],
  ['30d', 30 * 86_400_000],
] as const

interface SeriesResponse {
  step: string
  unit: string | null
  points: { ts: string; value: number; min?: number; max?: number }[]
}

function toLocalInput(d: Date) {
  return d.toISOString().slice(0, 16)
}

/** One metric of a resource over a chosen range; the API picks raw / 5 m / 1 h storage by range. */
export function MetricChart({
  resourceId,
  metrics,
}: {
  resourceId: string
  metrics: { metric: string; stat: string; unit: string | null }[]
}) {
  const t = useTranslations('resource')
  const f = useFormatter()
  const [metric, setMetric] = useState(metrics[0] ? `${metrics[0].metric}|${metrics[0].stat}` : '')
  const [range, setRange] = useState<string>('24h')
  const [custom, setCustom] = useState({
    from: toLocalInput(new Date(Date.now() - 2 * 86_400_000)),
    to: toLocalInput(new Date()),
  })
  const [data, setData] = useState<SeriesResponse | null>(null)
  const [error, setError] = useState<string | null>(null)
  const box = useRef<HTMLDivElement>(null)

  useEffect(() => {
    if (!metric) return
    const [m, stat] = metric.split('|')
    let from: Date
    let to: Date
    if (range === 'custom') {
      from = new Date(`${custom.from}:00Z`)
      to = new Date(`${custom.to}:00Z`)
    } else {
      to = new Date()
      from = new Date(to.getTime() - (RANGES.find((r) => r[0] === range)?.[1] ?? 86_400_000))
    }
    if (!(from < to)) return setError(`${t('from')} < ${t('to')}`)
    const qs = new URLSearchParams({
      metric: m ?? '',
      stat: stat ?? '',
      from: from.toISOString(),
      to: to.toISOString(),
    })
    const ctrl = new AbortController()
    fetch(`/api/v1/resources/${resourceId}/metrics?${qs}`, { signal: ctrl.signal })
      .then(async (r) => {
        const body = (await r.json()) as SeriesResponse & { error?: { message: string } }
        if (!r.ok) throw new Error(body.error?.message ?? r.statusText)
        setError(null)
        setData(body)
      })
      .catch((e: unknown) => {
        if ((e as Error).name !== 'AbortError') setError((e as Error).message)
      })
    return () => ctrl.abort()
  }, [resourceId, metric, range, custom, t])

  useEffect(() => {
    const el = box.current
    if (!el || !data) return
    el.innerHTML = ''
    if (data.points.length === 0) return
    const xs = data.points.map((p) => Date.parse(p.ts) / 1000)
    const ys = data.points.map((p) => p.value)
    const series: uPlot.Series[] = [
      {},
      { label: metric.split('|')[0], stroke: '#4c9aff', width: 1.5, fill: 'rgba(76,154,255,0.12)' },
    ]
    const cols: uPlot.AlignedData = [xs, ys]
    if (data.step !== 'raw') {
      series.push({ label: 'max', stroke: 'rgba(210,153,34,0.7)', width: 1, dash: [4, 4] })
      ;(cols as number[][]).push(data.points.map((p) => p.max ?? p.value))
    }
    const plot = new uPlot(
      {
        width: el.clientWidth || 800,
        height: 260,
        series,
        axes: [
          { stroke: '#8b96a3', grid: { stroke: '#2a323c' } },
          { stroke: '#8b96a3', grid: { stroke: '#2a323c' }, size: 60 },
        ],
        scales: { x: { time: true } },
      },
      cols,
      el,
    )
    return () => plot.destroy()
  }, [data, metric])

  if (metrics.length === 0) return <div className="card muted">{t('noMetrics')}</div>
  return (
    <div className="chart">
      <div className="row" style={{ marginBottom: 8 }}>
        <select value={metric} onChange={(e) => setMetric(e.target.value)} data-testid="metric-select">
          {metrics.map((m) => (
            <option key={`${m.metric}|${m.stat}`} value={`${m.metric}|${m.stat}`}>
              {m.metric} ({m.stat}
              {m.unit ? `, ${m.unit}` : ''})
            </option>
          ))}
        </select>
        <div className="tabs" style={{ margin: 0 }}>
          {[...RANGES.map((r) => r[0]), 'custom'].map((r) => (
            <button
              key={r}
              type="button"
              className={range === r ? 'on' : ''}
              onClick={() => setRange(r)}
              data-testid={`range-${r}`}
            >
              {r === 'custom' ? t('custom') : r}
            </button>
          ))}
        </div>
        {range === 'custom' ? (
          <>
            <input
              type="datetime-local"
              value={custom.from}
              onChange={(e) => setCustom({ ...custom, from: e.target.value })}
              aria-label={t('from')}
            />
            <input
              type="datetime-local"
              value={custom.to}
              onChange={(e) => setCustom({ ...custom, to: e.target.value })}
              aria-label={t('to')}
            />
          </>
        ) : null}
        {data ? (
          <span className="small muted" data-testid="chart-points">
            {t('points', { count: f.number(data.points.length), step: data.step })}
          </span>
        ) : null}
      </div>
      {error ? <div className="alert">{error}</div> : null}
      {data && data.points.length === 0 ? <div className="muted">{t('noPoints')}</div> : null}
      <div ref={box} data-testid="chart" />
    </div>
  )
}

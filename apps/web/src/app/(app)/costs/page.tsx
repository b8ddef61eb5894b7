import { getFormatter, getTranslations } from 'next-intl/server'
import Link from 'next/link'
import { costsQuerySchema } from '@/server/api/schemas'
import { costSummary, isoDay, monthStart, readCosts } from '@/server/costs'
import { inventoryFacets } from '@/server/inventory'
import { pageTenant } from '@/server/page-guard'

export const dynamic = 'force-dynamic'

const PALETTE = ['#4c9aff', '#3fb950', '#d29922', '#a371f7', '#f85149', '#39c5cf', '#db61a2', '#8b96a3']

export default async function CostsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>
}) {
  const t = await pageTenant('viewer')
  const sp = await searchParams
  const raw = Object.fromEntries(
    Object.entries(sp).filter(([, v]) => typeof v === 'string' && v !== ''),
  ) as Record<string, string>
  const parsed = costsQuerySchema.safeParse({
    from: isoDay(new Date(Date.now() - 30 * 86_400_000)),
    ...raw,
    groupBy: 'service',
  })
  const q = parsed.success ? parsed.data : costsQuerySchema.parse({ groupBy: 'service' })
  const [costs, summary, facets, tr, f] = await Promise.all([
    readCosts(t, q),
    costSummary(t),
    inventoryFacets(t),
    getTranslations('costs'),
    getFormatter(),
  ])
  const money = (n: number) =>
    f.number(n, { style: 'currency', currency: costs.currency, maximumFractionDigits: 2 })
  const services = costs.groups.slice(0, PALETTE.length - 1).map((g) => g.key)
  const colorOf = (k: string) => PALETTE[services.indexOf(k)] ?? PALETTE[PALETTE.length - 1]!
  const days = [...new Set(costs.daily.map((d) => d.day))].sort()
  const perDay = new Map<string, Map<string, number>>()
  for (const d of costs.daily) {
    const k = services.includes(d.key) ? d.key : 'other'
    const m = perDay.get(d.day) ?? new Map<string, number>()
    m.set(k, (m.get(k) ?? 0) + d.amount)
    perDay.set(d.day, m)
  }
  const peak = Math.max(1e-9, ...[...perDay.values()].map((m) => [...m.values()].reduce((a, b) => a + b, 0)))
  const change =
    summary.lastMonthSameSpan > 0
      ? (summary.monthToDate - summary.lastMonthSameSpan) / summary.lastMonthSameSpan
      : null
  return (
    <>
      <h1>{tr('title')}</h1>
      <div className="grid">
        <div className="card">
          <h2>{tr('mtd')}</h2>
          <div className="big">{money(summary.monthToDate)}</div>
          <div className="small muted">{isoDay(monthStart())} →</div>
        </div>
        <div className="card">
          <h2>{tr('lastMonthSame')}</h2>
          <div className="big">{money(summary.lastMonthSameSpan)}</div>
          {change !== null ? (
            <div className="small muted">
              {tr('change')}:{' '}
              {f.number(change, { style: 'percent', signDisplay: 'always', maximumFractionDigits: 1 })}
            </div>
          ) : null}
        </div>
        <div className="card">
          <h2>{tr('lastMonth')}</h2>
          <div className="big">{money(summary.lastMonth)}</div>
        </div>
      </div>
      <form className="filters" method="get">
        <label>
          from
          <input type="date" name="from" defaultValue={q.from} />
        </label>
        <label>
          to
          <input type="date" name="to" defaultValue={q.to} />
        </label>
        <label>
          cloud
          <select name="cloud" defaultValue={raw.cloud ?? ''}>
            <option value="" />
            {['aws', 'azure', 'gcp'].map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          account
          <select name="accountId" defaultValue={raw.accountId ?? ''}>
            <option value="" />
            {facets.accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          region
          <input name="region" defaultValue={raw.region ?? ''} />
        </label>
        <button type="submit">{tr('filters')}</button>
        <Link className="small" href="/costs">
          ×
        </Link>
      </form>
      {!parsed.success ? (
        <div className="alert">
          {parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}
        </div>
      ) : null}
      <div className="chart">
        <h2>{tr('dailyByService')}</h2>
        {days.length === 0 ? (
          <div className="muted">{tr('none')}</div>
        ) : (
          <div className="stack-bar" data-testid="cost-chart">
            {days.map((d) => (
              <div
                key={d}
                className="col"
                title={`${d}: ${money([...(perDay.get(d)?.values() ?? [])].reduce((a, b) => a + b, 0))}`}
              >
                {[...(perDay.get(d) ?? new Map<string, number>())].map(([k, v]) => (
                  <div key={k} style={{ height: `${(110 * v) / peak}px`, background: colorOf(k) }} />
                ))}
              </div>
            ))}
          </div>
        )}
        <div className="row small" style={{ marginTop: 6 }}>
          {[...services, ...(costs.groups.length > services.length ? ['other'] : [])].map((s) => (
            <span key={s}>
              <span style={{ display: 'inline-block', width: 10, height: 10, background: colorOf(s) }} /> {s}
            </span>
          ))}
        </div>
      </div>
      <table>
        <thead>
          <tr>
            <th>{tr('service')}</th>
            <th>{tr('amount')}</th>
          </tr>
        </thead>
        <tbody>
          {costs.groups.map((g) => (
            <tr key={g.key}>
              <td>{g.label}</td>
              <td>{money(g.amount)}</td>
            </tr>
          ))}
          <tr>
            <td>
              <b>{tr('total')}</b>
            </td>
            <td>
              <b>{money(costs.total)}</b>
            </td>
          </tr>
        </tbody>
      </table>
    </>
  )
}

import { CLOUD_KINDS } from '@cms/core'
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
  const [costs, summary, facets, tr, tc, f] = await Promise.all([
    readCosts(t, q),
    costSummary(t),
    inventoryFacets(t),
    getTranslations('costs'),
    getTranslations('clouds'),
    getFormatter(),
  ])
  const money = (n: number, currency: string) =>
    f.number(n, { style: 'currency', currency, maximumFractionDigits: 2 })
  // One chart and one table section per currency: amounts in KRW and USD are never added (no rate source).
  const currencies = [...new Set([...costs.totals.map((x) => x.currency), ...summary.map((x) => x.currency)])]
  const sections = costs.totals.map(({ currency, amount }) => {
    const groups = costs.groups.filter((g) => g.currency === currency)
    const named = groups.slice(0, PALETTE.length - 1).map((g) => g.key)
    const colorOf = (k: string) => PALETTE[named.indexOf(k)] ?? PALETTE[PALETTE.length - 1]!
    const perDay = new Map<string, Map<string, number>>()
    for (const d of costs.daily) {
      if (d.currency !== currency) continue
      const k = named.includes(d.key) ? d.key : 'other'
      const m = perDay.get(d.day) ?? new Map<string, number>()
      m.set(k, (m.get(k) ?? 0) + d.amount)
      perDay.set(d.day, m)
    }
    const days = [...perDay.keys()].sort()
    const peak = Math.max(
      1e-9,
      ...[...perDay.values()].map((m) => [...m.values()].reduce((a, b) => a + b, 0)),
    )
    const legend = [...named, ...(groups.length > named.length ? ['other'] : [])]
    return { currency, amount, groups, colorOf, perDay, days, peak, legend }
  })
  const perCurrency = (pick: (s: (typeof summary)[number]) => number) =>
    summary.length === 0 ? (
      <div className="big">—</div>
    ) : (
      summary.map((s) => (
        <div key={s.currency} className="big" data-testid={`cost-${s.currency}`}>
          {money(pick(s), s.currency)}
        </div>
      ))
    )
  return (
    <>
      <h1>{tr('title')}</h1>
      {currencies.length > 1 ? (
        <p className="small muted" data-testid="currency-hint">
          {tr('perCurrency', { currencies: currencies.join(', ') })}
        </p>
      ) : null}
      <div className="grid">
        <div className="card">
          <h2>{tr('mtd')}</h2>
          {perCurrency((s) => s.monthToDate)}
          <div className="small muted">{isoDay(monthStart())} →</div>
        </div>
        <div className="card">
          <h2>{tr('lastMonthSame')}</h2>
          {perCurrency((s) => s.lastMonthSameSpan)}
          {summary.map((s) =>
            s.lastMonthSameSpan > 0 ? (
              <div key={s.currency} className="small muted">
                {tr('change')} ({s.currency}):{' '}
                {f.number((s.monthToDate - s.lastMonthSameSpan) / s.lastMonthSameSpan, {
                  style: 'percent',
                  signDisplay: 'always',
                  maximumFractionDigits: 1,
                })}
              </div>
            ) : null,
          )}
        </div>
        <div className="card">
          <h2>{tr('lastMonth')}</h2>
          {perCurrency((s) => s.lastMonth)}
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
            {CLOUD_KINDS.map((c) => (
              <option key={c} value={c}>
                {tc(c)}
              </option>
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
      {sections.length === 0 ? (
        <div className="chart">
          <h2>{tr('dailyByService')}</h2>
          <div className="muted">{tr('none')}</div>
        </div>
      ) : null}
      {sections.map((sec) => (
        <div className="chart" key={sec.currency} data-testid={`cost-section-${sec.currency}`}>
          <h2>
            {tr('dailyByService')} ({sec.currency})
          </h2>
          <div className="stack-bar" data-testid="cost-chart">
            {sec.days.map((d) => (
              <div
                key={d}
                className="col"
                title={`${d}: ${money(
                  [...(sec.perDay.get(d)?.values() ?? [])].reduce((a, b) => a + b, 0),
                  sec.currency,
                )}`}
              >
                {[...(sec.perDay.get(d) ?? new Map<string, number>())].map(([k, v]) => (
                  <div key={k} style={{ height: `${(110 * v) / sec.peak}px`, background: sec.colorOf(k) }} />
                ))}
              </div>
            ))}
          </div>
          <div className="row small" style={{ marginTop: 6 }}>
            {sec.legend.map((s) => (
              <span key={s}>
                <span
                  style={{ display: 'inline-block', width: 10, height: 10, background: sec.colorOf(s) }}
                />{' '}
                {s}
              </span>
            ))}
          </div>
        </div>
      ))}
      <table>
        <thead>
          <tr>
            <th>{tr('service')}</th>
            <th>{tr('amount')}</th>
          </tr>
        </thead>
        <tbody>
          {sections.map((sec) => [
            ...sec.groups.map((g) => (
              <tr key={`${sec.currency}:${g.key}`}>
                <td>{g.label}</td>
                <td>{money(g.amount, sec.currency)}</td>
              </tr>
            )),
            <tr key={`${sec.currency}:total`} data-testid={`cost-total-${sec.currency}`}>
              <td>
                <b>
                  {tr('total')} ({sec.currency})
                </b>
              </td>
              <td>
                <b>{money(sec.amount, sec.currency)}</b>
              </td>
            </tr>,
          ])}
        </tbody>
      </table>
    </>
  )
}

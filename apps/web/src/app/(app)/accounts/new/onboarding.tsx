'use client'
import { useTranslations } from 'next-intl'
import Link from 'next/link'
import { Fragment, useState, type FormEvent } from 'react'
import { Field } from '@/components/field'
import { VerificationView, type Verification } from '@/components/verification-view'
import { apiFetch } from '@/lib/api-fetch'

interface Setup {
  principalArn: string
  externalId: string
  externalIdToken: string
  policy: Record<string, unknown>
  templateUrl: string
  quickCreateUrl: string
}

type Cloud = 'aws' | 'azure' | 'gcp' | 'ncp'
type NcpSite = 'public' | 'gov' | 'fin'
interface NcpSetup {
  policies: { policy: string; covers: 'servers' | 'vpc' | 'mysql' | 'metrics' | 'billing'; doc: string }[]
  sites: NcpSite[]
}
/** Region examples as each cloud spells them (NCP: upper-case region codes). */
const REGION_EXAMPLE: Record<Cloud, string> = {
  aws: 'us-east-1, eu-west-1',
  azure: 'westeurope, koreacentral',
  gcp: 'us-central1, asia-northeast3',
  ncp: 'KR, JPN',
}
const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)

export function Onboarding({ setup, clouds, ncp }: { setup: Setup; clouds: Cloud[]; ncp: NcpSetup }) {
  const t = useTranslations('onboarding')
  const tc = useTranslations('clouds')
  const [cloud, setCloud] = useState<Cloud>('aws')
  const [awsMethod, setAwsMethod] = useState<'assumeRole' | 'accessKeys'>('assumeRole')
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [busy, setBusy] = useState(false)
  const [result, setResult] = useState<{ accountId: string; verification: Verification } | null>(null)
  const [gcpKey, setGcpKey] = useState<Record<string, unknown> | null>(null)

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const v = Object.fromEntries(
      [...new FormData(e.currentTarget)].map(([k, x]) => [k, String(x)]),
    ) as Record<string, string>
    const base = { cloud, name: v.name ?? '', regions: v.regions ? list(v.regions) : undefined }
    let body: Record<string, unknown>
    if (cloud === 'aws') {
      body =
        awsMethod === 'assumeRole'
          ? {
              ...base,
              credentials: { method: 'assumeRole', roleArn: v.roleArn ?? '', externalId: setup.externalId },
              externalIdToken: setup.externalIdToken,
            }
          : {
              ...base,
              credentials: {
                method: 'accessKeys',
                accessKeyId: v.accessKeyId ?? '',
                secretAccessKey: v.secretAccessKey ?? '',
              },
            }
    } else if (cloud === 'azure') {
      body = {
        ...base,
        credentials: {
          method: 'servicePrincipal',
          tenantId: v.tenantId ?? '',
          clientId: v.clientId ?? '',
          clientSecret: v.clientSecret ?? '',
          subscriptionIds: list(v.subscriptionIds ?? ''),
        },
      }
    } else if (cloud === 'ncp') {
      body = {
        ...base,
        credentials: {
          method: 'subAccountKey',
          accessKey: v.accessKey ?? '',
          secretKey: v.secretKey ?? '',
          site: v.site ?? 'public',
        },
      }
    } else {
      if (!gcpKey) return setErrors({ 'credentials.private_key': t('keyFile') })
      body = {
        ...base,
        credentials: { ...gcpKey, method: 'serviceAccountKey', projectIds: list(v.projectIds ?? '') },
      }
    }
    setBusy(true)
    setErrors({})
    const r = await apiFetch<{ account: { id: string }; verification: Verification }>('/api/v1/accounts', {
      method: 'POST',
      body,
    })
    setBusy(false)
    if (!r.ok) return setErrors({ ...r.error.fields, _: r.error.message })
    setResult({ accountId: r.data.account.id, verification: r.data.verification })
  }

  const err = (k: string) => errors[`credentials.${k}`] ?? errors[k]
  return (
    <>
      <h1>{t('title')}</h1>
      <div className="tabs">
        {clouds.map((c) => (
          <button
            key={c}
            type="button"
            className={cloud === c ? 'on' : ''}
            onClick={() => (setCloud(c), setErrors({}))}
            data-testid={`cloud-${c}`}
          >
            {tc(c)}
          </button>
        ))}
      </div>
      <form className="stack" onSubmit={submit} noValidate style={{ maxWidth: 760 }}>
        <Field label={t('name')} name="name" error={errors.name} data-testid="account-name" />
        {cloud === 'aws' ? (
          <>
            <div className="tabs">
              <button
                type="button"
                className={awsMethod === 'assumeRole' ? 'on' : ''}
                onClick={() => setAwsMethod('assumeRole')}
              >
                {t('awsRole')}
              </button>
              <button
                type="button"
                className={awsMethod === 'accessKeys' ? 'on' : ''}
                onClick={() => setAwsMethod('accessKeys')}
              >
                {t('awsKeys')}
              </button>
            </div>
            {awsMethod === 'assumeRole' ? (
              <div className="card">
                <p className="small">
                  {t('step', { n: 1 })} — {t('awsIntro')}
                </p>
                <dl className="kv">
                  <dt>{t('principal')}</dt>
                  <dd className="mono" data-testid="principal">
                    {setup.principalArn}
                  </dd>
                  <dt>{t('externalId')}</dt>
                  <dd className="mono" data-testid="external-id">
                    {setup.externalId}
                  </dd>
                </dl>
                <div className="row" style={{ margin: '8px 0' }}>
                  <a href={setup.templateUrl} download="cms-readonly-role.json">
                    {t('download')}
                  </a>
                  <a href={setup.quickCreateUrl} target="_blank" rel="noreferrer">
                    {t('quickCreate')} ↗
                  </a>
                </div>
                <details>
                  <summary className="small">{t('policy')}</summary>
                  <pre>{JSON.stringify(setup.policy, null, 2)}</pre>
                </details>
                <p className="small">{t('step', { n: 2 })}</p>
                <Field
                  label={t('roleArn')}
                  name="roleArn"
                  placeholder="arn:aws:iam::123456789012:role/CmsReadOnly"
                  error={err('roleArn') ?? err('externalId')}
                  data-testid="role-arn"
                />
              </div>
            ) : (
              <>
                <Field
                  label={t('accessKeyId')}
                  name="accessKeyId"
                  autoComplete="off"
                  error={err('accessKeyId')}
                />
                <Field
                  label={t('secretAccessKey')}
                  name="secretAccessKey"
                  type="password"
                  autoComplete="off"
                  error={err('secretAccessKey')}
                />
              </>
            )}
          </>
        ) : null}
        {cloud === 'azure' ? (
          <>
            <p className="small">{t('azureIntro')}</p>
            <Field label={t('tenantId')} name="tenantId" error={err('tenantId')} />
            <Field label={t('clientId')} name="clientId" error={err('clientId')} />
            <Field
              label={t('clientSecret')}
              name="clientSecret"
              type="password"
              autoComplete="off"
              error={err('clientSecret')}
            />
            <Field
              label={t('subscriptionIds')}
              name="subscriptionIds"
              error={err('subscriptionIds') ?? err('subscriptionIds.0')}
            />
          </>
        ) : null}
        {cloud === 'gcp' ? (
          <>
            <p className="small">{t('gcpIntro')}</p>
            <label>
              {t('keyFile')}
              <input
                type="file"
                accept="application/json,.json"
                onChange={async (e) => {
                  const file = e.target.files?.[0]
                  if (!file) return
                  try {
                    setGcpKey(JSON.parse(await file.text()) as Record<string, unknown>)
                    setErrors({})
                  } catch {
                    setErrors({ 'credentials.private_key': 'not a JSON file' })
                  }
                }}
              />
              {['type', 'private_key', 'client_email', 'private_key_id'].map((k) =>
                err(k) ? (
                  <span key={k} className="field-error">
                    {k}: {err(k)}
                  </span>
                ) : null,
              )}
            </label>
            <Field
              label={t('projectIds')}
              name="projectIds"
              error={err('projectIds') ?? err('projectIds.0')}
            />
          </>
        ) : null}
        {cloud === 'ncp' ? (
          <>
            <div className="card" data-testid="ncp-setup">
              <p className="small">{t('ncpIntro')}</p>
              <h3 className="small">{t('ncpPolicies')}</h3>
              <dl className="kv">
                {ncp.policies.map((p) => (
                  <Fragment key={p.policy}>
                    <dt className="mono">
                      <a href={p.doc} target="_blank" rel="noreferrer">
                        {p.policy}
                      </a>
                    </dt>
                    <dd>{t(`ncpCovers.${p.covers}`)}</dd>
                  </Fragment>
                ))}
              </dl>
              <p className="small muted">{t('ncpBillingNote')}</p>
            </div>
            <Field
              label={t('ncpAccessKey')}
              name="accessKey"
              autoComplete="off"
              error={err('accessKey')}
              data-testid="ncp-access-key"
            />
            <Field
              label={t('ncpSecretKey')}
              name="secretKey"
              type="password"
              autoComplete="off"
              error={err('secretKey')}
              data-testid="ncp-secret-key"
            />
            <p className="small muted">{t('ncpSecretOnce')}</p>
            <label>
              {t('ncpSite')}{' '}
              <select name="site" defaultValue="public" data-testid="ncp-site">
                {ncp.sites.map((s) => (
                  <option key={s} value={s}>
                    {t(`ncpSites.${s}`)}
                  </option>
                ))}
              </select>
              {err('site') ? <span className="field-error">{err('site')}</span> : null}
            </label>
          </>
        ) : null}
        <Field
          label={t('regions')}
          name="regions"
          placeholder={REGION_EXAMPLE[cloud]}
          error={errors.regions ?? errors['regions.0']}
        />
        {errors._ && Object.keys(errors).length === 1 ? <div className="alert">{errors._}</div> : null}
        <button type="submit" disabled={busy} data-testid="save-account">
          {busy ? t('saving') : t('save')}
        </button>
      </form>
      {result ? (
        <div style={{ marginTop: 12, maxWidth: 760 }}>
          <VerificationView v={result.verification} />
          <div className="row" style={{ marginTop: 8 }}>
            <b>{t('done')}</b>
            <Link href="/inventory" data-testid="go-inventory">
              {t('goInventory')} →
            </Link>
            <Link href={`/accounts/${result.accountId}`}>{result.accountId.slice(0, 8)}</Link>
          </div>
          {!result.verification.ok ? <p className="small muted">{t('fixAndRetry')}</p> : null}
        </div>
      ) : null}
    </>
  )
}

import { AppError } from '@cms/core'
import { cloudFormationTemplate, verifyTemplateRequest } from '@/server/accounts'
import { errorResponse } from '@/server/http'
import { services } from '@/server/services'

/**
 * The CloudFormation template for the AWS role flow. Fetched by CloudFormation itself (no session), so
 * it is authorized by the HMAC token issued with the ExternalId to one organization.
 */
export async function GET(req: Request) {
  try {
    const u = new URL(req.url)
    const externalId = u.searchParams.get('externalId') ?? ''
    const tenant = u.searchParams.get('tenant') ?? ''
    const token = u.searchParams.get('token') ?? ''
    if (!/^cms-[\w-]{10,64}$/.test(externalId) || !/^[0-9a-f-]{36}$/.test(tenant)) {
      throw new AppError('validation_failed', 'Invalid template request', {
        fields: { externalId: 'required', tenant: 'required' },
      })
    }
    verifyTemplateRequest(tenant, externalId, token)
    return new Response(cloudFormationTemplate(services().config.CMS_AWS_PRINCIPAL_ARN, externalId), {
      headers: {
        'content-type': 'application/json',
        'content-disposition': 'attachment; filename="cms-readonly-role.json"',
      },
    })
  } catch (e) {
    return errorResponse(e)
  }
}

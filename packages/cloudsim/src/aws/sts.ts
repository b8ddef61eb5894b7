/** STS (awsQuery): who am I, and AssumeRole with the role's trust policy (principal account + ExternalId). */
import { AwsError, type AwsHandler } from './aws-types'
import { el, node, num, str } from './wire'

const getCallerIdentity: AwsHandler = (req) => ({
  xml: el('Arn', req.key.arn) + el('UserId', req.key.userId) + el('Account', req.key.account),
})

const assumeRole: AwsHandler = (req) => {
  const roleArn = str(req.input.RoleArn) ?? ''
  const sessionName = str(req.input.RoleSessionName) ?? ''
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName))
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    )
  const duration = num(req.input.DurationSeconds) ?? 3600
  if (duration < 900 || duration > 43200)
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
    )
  const role = req.world.awsRoles.get(roleArn)
  const denied = new AwsError(
    'AccessDenied',
    `User: ${req.key.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    403,
  )
  if (!role || role.revoked) throw denied
  if (!role.trustedAccounts.includes(req.key.account) && role.account !== req.key.account) throw denied
  if (str(req.input.ExternalId) !== role.externalId) throw denied
  const session = req.world.issueAwsSession(role, sessionName, duration)
  return {
    xml:
      node(
        'Credentials',
        el('AccessKeyId', session.accessKeyId),
        el('SecretAccessKey', session.secretAccessKey),
        el('SessionToken', session.sessionToken),
        el('Expiration', new Date(session.expiresAt ?? 0)),
      ) + node('AssumedRoleUser', el('AssumedRoleId', session.userId), el('Arn', session.arn)),
  }
}

export const STS_OPERATIONS: Record<string, AwsHandler> = {
  GetCallerIdentity: getCallerIdentity,
  AssumeRole: assumeRole,
}

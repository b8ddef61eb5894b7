import { openApiDocument } from '@/server/api/openapi'
import { json } from '@/server/http'
import { services } from '@/server/services'

export const GET = async () => json(openApiDocument(services().config.PUBLIC_URL))

import { redirect } from 'next/navigation'
import { pageSession } from '@/server/page-guard'

export default async function Home() {
  const s = await pageSession()
  redirect(s ? '/overview' : '/login')
}

import { Suspense } from 'react'
import { LoginForm } from '../auth-forms'

export default function Page() {
  return (
    <Suspense>
      <LoginForm />
    </Suspense>
  )
}

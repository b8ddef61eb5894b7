import { Suspense } from 'react'
import { ForgotForm } from '../auth-forms'

export default function Page() {
  return (
    <Suspense>
      <ForgotForm />
    </Suspense>
  )
}

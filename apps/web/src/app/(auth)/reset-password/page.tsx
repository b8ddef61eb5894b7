import { Suspense } from 'react'
import { ResetForm } from '../auth-forms'

export default function Page() {
  return (
    <Suspense>
      <ResetForm />
    </Suspense>
  )
}

import { Suspense } from 'react'
import { SignupForm } from '../auth-forms'

export default function Page() {
  return (
    <Suspense>
      <SignupForm />
    </Suspense>
  )
}

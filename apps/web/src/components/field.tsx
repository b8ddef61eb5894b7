'use client'
import type { InputHTMLAttributes } from 'react'

/** A labelled input with its field-level error underneath. */
export function Field({
  label,
  error,
  ...props
}: { label: string; error?: string | undefined } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <label>
      {label}
      <input aria-invalid={error ? true : undefined} {...props} />
      {error ? (
        <span className="field-error" data-testid={`error-${props.name ?? ''}`}>
          {error}
        </span>
      ) : null}
    </label>
  )
}

import React from 'react';
import { Alert as Banner, Button, Field, Input, Modal, Stack } from '@grafana/ui';
import type { ApiError, ApiIssue } from '../api/errors';

/**
 * Why a save failed, above a form: "fix the fields marked below" when the backend named fields
 * (they show at their fields), else its message; `rest` lists issues of fields the form lacks.
 */
export function SaveErrorBanner({ title, error, rest = [] }: { title: string; error?: ApiError; rest?: ApiIssue[] }) {
  if (!error) {
    return null;
  }
  return (
    <Banner title={title} severity="error">
      {error.issues.length ? 'Fix the fields marked below.' : error.message}
      {rest.map((i) => (
        <div key={i.path}>
          {i.path}: {i.message}
        </div>
      ))}
    </Banner>
  );
}

/** Cancel and the submit button at the foot of a modal form; the submit shows a spinner while saving. */
export function FormButtons({
  saving,
  submitText,
  onDismiss,
}: {
  saving: boolean;
  submitText: string;
  onDismiss(): void;
}) {
  return (
    <Modal.ButtonRow>
      <Stack gap={1}>
        <Button variant="secondary" fill="outline" onClick={onDismiss} type="button">
          Cancel
        </Button>
        <Button type="submit" disabled={saving} icon={saving ? 'spinner' : undefined}>
          {submitText}
        </Button>
      </Stack>
    </Modal.ButtonRow>
  );
}

/**
 * A modal create/edit form: the backend's refusal in a banner on top (field issues show at their
 * fields), the fields, then Cancel and the submit button.
 */
export function FormModal({
  title,
  label,
  notSaved,
  error,
  submitText,
  onSubmit,
  onDismiss,
  children,
}: {
  title: string;
  /** Accessible name of the form. */
  label: string;
  /** The banner's title when saving failed, e.g. "The user was not saved". */
  notSaved: string;
  error?: ApiError;
  submitText: string;
  onSubmit(): void;
  onDismiss(): void;
  children: React.ReactNode;
}) {
  return (
    <Modal title={title} isOpen onDismiss={onDismiss}>
      <form
        aria-label={label}
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        <SaveErrorBanner title={notSaved} error={error} />
        {children}
        <Modal.ButtonRow>
          <Button variant="secondary" fill="outline" type="button" onClick={onDismiss}>
            Cancel
          </Button>
          <Button type="submit">{submitText}</Button>
        </Modal.ButtonRow>
      </form>
    </Modal>
  );
}

/** A labelled text input; `invalid` and `error` as `fieldProps` gives them. */
export function TextField({
  id,
  label,
  description,
  invalid,
  error,
  type,
  width,
  placeholder,
  value,
  onChange,
}: {
  id: string;
  label: string;
  description?: string;
  invalid?: boolean;
  error?: string;
  type?: 'password';
  width?: number;
  placeholder?: string;
  value: string;
  onChange(value: string): void;
}) {
  return (
    <Field label={label} description={description} invalid={invalid} error={error}>
      <Input
        id={id}
        type={type}
        width={width}
        placeholder={placeholder}
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
      />
    </Field>
  );
}

import { FieldError } from "@/components/ui/field";

interface Choice {
  value: string;
  label: string;
  description?: string;
}

/** A labelled radio group, each option with its description, for the form's choices. */
export function ChoiceGroup({
  legend,
  name,
  options,
  defaultValue,
  errors,
  onChange,
}: {
  legend: string;
  name: string;
  options: readonly Choice[];
  defaultValue?: string;
  errors?: string[];
  /** For a form that shows other fields by the choice. */
  onChange?: (value: string) => void;
}) {
  return (
    <fieldset aria-describedby={errors?.length ? `${name}-error` : undefined}>
      <legend className="mb-2 text-sm font-medium text-slate-800">{legend}</legend>
      <div className="grid gap-2 sm:grid-cols-3">
        {options.map((option) => (
          <label
            key={option.value}
            className="flex cursor-pointer gap-3 rounded-md border border-slate-300 bg-white p-3 text-sm has-checked:border-brand-600 has-checked:bg-brand-50 has-focus-visible:outline-2 has-focus-visible:outline-brand-600"
          >
            <input
              type="radio"
              name={name}
              value={option.value}
              defaultChecked={defaultValue === option.value}
              onChange={onChange && (() => onChange(option.value))}
              className="mt-0.5 accent-brand-600"
            />
            <span>
              <span className="block font-semibold text-slate-900">{option.label}</span>
              {option.description && (
                <span className="mt-0.5 block text-xs text-slate-600">{option.description}</span>
              )}
            </span>
          </label>
        ))}
      </div>
      <div className="mt-1">
        <FieldError id={`${name}-error`} errors={errors} />
      </div>
    </fieldset>
  );
}

/**
 * A form's Authentication choice and each method's fields. The other methods' fields stay, hidden
 * and disabled: not posted, and kept if the admin switches back.
 */
export function AuthMethodChoice({
  options,
  method,
  onChange,
  errors,
  fields,
}: {
  options: readonly Choice[];
  method: string;
  onChange: (method: string) => void;
  errors?: string[];
  /** Each option's fields, by its value. */
  fields: Record<string, React.ReactNode>;
}) {
  return (
    <>
      <ChoiceGroup
        legend="Authentication"
        name="authMethod"
        options={options}
        defaultValue={method}
        errors={errors}
        onChange={onChange}
      />
      {options.map(({ value }) => (
        <fieldset
          key={value}
          hidden={method !== value}
          disabled={method !== value}
          className="flex flex-col gap-5"
        >
          {fields[value]}
        </fieldset>
      ))}
    </>
  );
}

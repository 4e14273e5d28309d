import { useRef, type KeyboardEvent } from 'react';

export interface RadioChoice<T extends string | number> {
  value: T;
  /** The visible text, which is also the accessible name. */
  label: string;
  title?: string;
}

export interface SegmentedRadioProps<T extends string | number> {
  label: string;
  choices: readonly RadioChoice<T>[];
  value: T;
  onChange(value: T): void;
  className?: string;
}

/** A radio group of buttons: one tab stop, arrows move the choice (the ARIA radio group pattern). */
export function SegmentedRadio<T extends string | number>({ label, choices, value, onChange, className }: SegmentedRadioProps<T>) {
  const buttons = useRef(new Map<T, HTMLButtonElement>());
  const choose = (v: T) => {
    onChange(v);
    buttons.current.get(v)?.focus();
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const i = choices.findIndex((c) => c.value === value);
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    let next: RadioChoice<T> | undefined;
    if (step !== undefined) next = choices[(i + step + choices.length) % choices.length];
    else if (e.key === 'Home') next = choices[0];
    else if (e.key === 'End') next = choices[choices.length - 1];
    if (!next) return;
    e.preventDefault();
    choose(next.value);
  };
  return (
    <div className={`segmented ${className ?? ''}`} role="radiogroup" aria-label={label} onKeyDown={onKeyDown}>
      {choices.map((c) => (
        <button
          key={String(c.value)}
          ref={(el) => {
            if (el) buttons.current.set(c.value, el);
            else buttons.current.delete(c.value);
          }}
          type="button"
          role="radio"
          aria-checked={c.value === value}
          tabIndex={c.value === value ? 0 : -1}
          title={c.title}
          onClick={() => choose(c.value)}
        >
          {c.label}
        </button>
      ))}
    </div>
  );
}

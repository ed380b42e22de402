/** A few properties of an event, as "key: value" (the first ones; the full event is in the API). */
export function propertySummary(properties: Readonly<Record<string, unknown>> | null | undefined, max = 3): string {
  return Object.entries(properties ?? {})
    .filter(([, value]) => value !== null && value !== undefined && typeof value !== 'object')
    .slice(0, max)
    .map(([key, value]) => `${key}: ${String(value)}`)
    .join(' · ');
}

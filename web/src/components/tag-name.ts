/** Why a typed tag name cannot be saved (the server's rule: 1 to 100 characters after trimming), or undefined when it can. */
export function tagNameProblem(name: string): 'emptyName' | 'tooLong' | undefined {
  const trimmed = name.trim();
  if (trimmed.length === 0) return 'emptyName';
  if (trimmed.length > 100) return 'tooLong';
  return undefined;
}

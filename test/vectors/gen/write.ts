import { writeFileSync } from 'node:fs'

/** The exact text of a vector file: 2-space JSON and a trailing newline (stable for diffs). */
export function vectorFileText(content: unknown): string {
  return `${JSON.stringify(content, null, 2)}\n`
}

export function writeVectorFile(path: string, content: unknown): void {
  writeFileSync(path, vectorFileText(content))
}

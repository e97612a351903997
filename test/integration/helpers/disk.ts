import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

/** Every regular file under `dir`, recursively. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
}

/** The files under `dir` whose bytes contain any of `needles`. */
export async function filesContaining(dir: string, needles: Uint8Array[]): Promise<string[]> {
  const hits: string[] = []
  for (const file of await filesUnder(dir)) {
    const bytes = await readFile(file)
    if (needles.some((needle) => bytes.indexOf(needle) !== -1)) hits.push(file)
  }
  return hits
}

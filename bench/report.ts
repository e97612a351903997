/** One section of `npm run bench`: printed as a table and written to the JSON result. */
export interface BenchSection {
  name: string
  rows: Record<string, string | number>[]
  notes?: string[]
}

export function printSection(section: BenchSection): void {
  console.log(`\n## ${section.name}`)
  if (section.rows.length > 0) console.table(section.rows)
  for (const note of section.notes ?? []) console.log(`  ${note}`)
}

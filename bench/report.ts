/**
 * Sections, targets and verdicts of `npm run bench`. A section's row holds plain cells and,
 * for a figure that has a target, a {@link Judged} cell: its value with the target and the
 * verdict. Printed, the judged cell shows its value and the row gets a `target` and a `verdict`
 * column; in the JSON the cell keeps all three, so every figure carries its own target.
 */

export type Verdict = 'met' | 'missed' | 'unknown'

/** A figure with its target, as it lands in latest.json. */
export interface Judged {
  /** The figure compared with the target (in the target's unit); null: nothing measured. */
  value: number | null
  /** How the figure is printed when it is not just the value (e.g. 'over cap (180 s)'). */
  shown?: string
  /** The target as printed, e.g. 'ratio <= 1.10', '<= 2 s', '>= 10x'. */
  target: string
  verdict: Verdict
  /** Why the verdict is 'unknown', or what a bound means. */
  why?: string
}

export type Cell = string | number | Judged

/** One section of `npm run bench`: printed as a table and written to the JSON result. */
export interface BenchSection {
  /** The section's id for BENCH_ONLY (set by bench/index.ts). */
  id?: string
  name: string
  rows: Record<string, Cell>[]
  notes?: string[]
  /** Set when the section did not run (say why in `notes`); a skip is not a failure. */
  skipped?: boolean
  /** Set (to the error's message) when the section threw: no figures, listed in the summary. */
  failed?: string
}

type Op = '<=' | '<' | '>=' | '>'

export interface JudgeOptions {
  /** How to print the figure (default: the value). */
  shown?: string
  /**
   * The value is a bound, not the figure: 'at least' when the true figure is this or more (a
   * time cut off at its cap, or a speedup over a run that was cut off), 'at most' when it is
   * this or less. A bound proves or disproves a target only on one side; else 'unknown'.
   */
  bound?: 'at least' | 'at most'
}

/**
 * A figure judged against a target written as text: the first comparison in it is the rule
 * ('ratio <= 1.10', '< 2 s', '<= 64 B/feed', '>= 10x'); `value` must be in the unit of the
 * number after the comparison.
 */
export function judge(value: number | null, target: string, opts: JudgeOptions = {}): Judged {
  const rule = parseTarget(target)
  const judged: Judged = { value, target, verdict: 'unknown' }
  if (opts.shown !== undefined) judged.shown = opts.shown
  if (value === null || !Number.isFinite(value)) {
    judged.why = 'not measured'
    return judged
  }
  const holds = compare(value, rule.op, rule.limit)
  const upward = rule.op === '>=' || rule.op === '>'
  if (opts.bound === undefined) judged.verdict = holds ? 'met' : 'missed'
  else if (opts.bound === 'at least') {
    // The true figure is this or more: a lower bound proves a '>=' target, disproves a '<=' one.
    if (upward && holds) judged.verdict = 'met'
    else if (!upward && !holds) judged.verdict = 'missed'
    else judged.why = 'the figure is only a lower bound'
  } else {
    if (!upward && holds) judged.verdict = 'met'
    else if (upward && !holds) judged.verdict = 'missed'
    else judged.why = 'the figure is only an upper bound'
  }
  return judged
}

function parseTarget(target: string): { op: Op; limit: number } {
  const match = /(<=|>=|<|>)\s*([0-9][0-9_,]*(?:\.[0-9]+)?)/.exec(target)
  if (!match) throw new Error(`bench target without a comparison: ${target}`)
  return { op: match[1] as Op, limit: Number(match[2]!.replace(/[_,]/g, '')) }
}

function compare(value: number, op: Op, limit: number): boolean {
  switch (op) {
    case '<=':
      return value <= limit
    case '<':
      return value < limit
    case '>=':
      return value >= limit
    case '>':
      return value > limit
  }
}

export function isJudged(cell: Cell | undefined): cell is Judged {
  return typeof cell === 'object' && cell !== null && 'verdict' in cell
}

/** Every judged figure of a section with its row and column. */
export function judgedFigures(
  section: BenchSection,
): { row: Record<string, Cell>; column: string; figure: Judged }[] {
  const out: { row: Record<string, Cell>; column: string; figure: Judged }[] = []
  for (const row of section.rows) {
    for (const [column, cell] of Object.entries(row)) {
      if (isJudged(cell)) out.push({ row, column, figure: cell })
    }
  }
  return out
}

function verdictText(figure: Judged): string {
  if (figure.verdict === 'missed') return 'MISSED'
  return figure.verdict
}

function showFigure(figure: Judged): string | number {
  if (figure.shown !== undefined) return figure.shown
  return figure.value ?? 'n/a'
}

/** The row as printed: judged cells become their value, target and verdict columns follow. */
function printableRow(row: Record<string, Cell>, withTargets: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const targets: string[] = []
  const verdicts: string[] = []
  for (const [column, cell] of Object.entries(row)) {
    if (isJudged(cell)) {
      out[column] = showFigure(cell)
      targets.push(cell.target)
      verdicts.push(verdictText(cell))
    } else {
      out[column] = cell
    }
  }
  if (withTargets) {
    out['target'] = targets.join(' | ')
    out['verdict'] = verdicts.join(' | ')
  }
  return out
}

export function printSection(section: BenchSection): void {
  console.log(`\n## ${section.name}`)
  if (section.failed !== undefined) console.log(`  FAILED: ${section.failed}`)
  const figures = judgedFigures(section)
  if (section.rows.length > 0) {
    console.table(section.rows.map((row) => printableRow(row, figures.length > 0)))
  }
  if (figures.length > 0) {
    const met = figures.filter((f) => f.figure.verdict === 'met').length
    const missed = figures.filter((f) => f.figure.verdict === 'missed').length
    const unknown = figures.length - met - missed
    console.log(
      `  targets: ${met} met, ${missed} missed${unknown > 0 ? `, ${unknown} unknown` : ''}`,
    )
  }
  for (const note of section.notes ?? []) console.log(`  ${note}`)
}

/** One line per target missed or unknown over the whole run (printed at the end). */
export function summaryLines(sections: BenchSection[]): string[] {
  const lines: string[] = []
  for (const section of sections) {
    if (section.failed !== undefined) lines.push(`FAILED: ${section.id}: ${section.failed}`)
    for (const { row, column, figure } of judgedFigures(section)) {
      if (figure.verdict === 'met') continue
      // Where: the row's first plain cell (e.g. feeds 1000) and, in a one-figure-per-row
      // table, the figure's name instead of its column's.
      const first = Object.entries(row).find(([, cell]) => !isJudged(cell))
      const where = first ? ` ${first[0]} ${first[1]}` : ''
      const name = typeof row['figure'] === 'string' ? row['figure'] : column
      lines.push(
        `${verdictText(figure)}: ${section.id ?? section.name.split(':')[0]}${where}, ${name} = ${showFigure(figure)} (target ${figure.target})${figure.why ? `; ${figure.why}` : ''}`,
      )
    }
  }
  return lines
}

/**
 * Formula errors, shaped like Azure Batch's AutoScaleRunError: a code, a fixed message per code, and a
 * "Message" value that says where ("Line 9, Col 43: ...") and what to change.
 */

/** A place in the formula text, 1-based, as Azure reports it. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** Azure Batch's `AutoScaleRunError` (REST `autoScaleRun.error`). */
export interface AutoScaleRunError {
  code: string;
  message: string;
  values: { name: string; value: string }[];
}

/** The codes a formula can fail with, and the fixed message Azure-style clients show for each. */
export const formulaErrorMessages = {
  InvalidAutoScaleFormula: "The autoscale formula is not valid",
  AutoScaleFormulaTooLong: "The autoscale formula is longer than 8 KB",
  AutoScaleFormulaTooManyStatements: "The autoscale formula has more than 100 statements",
  AutoScaleFormulaEvaluationError: "Autoscale evaluation failed",
  InsufficientSampleData: "Autoscale evaluation failed due to insufficient sample data",
} as const;

export type FormulaErrorCode = keyof typeof formulaErrorMessages;

/** Thrown inside the lexer, parser and evaluator; turned into an AutoScaleRunError at the boundary. */
export class FormulaError extends Error {
  constructor(
    readonly code: FormulaErrorCode,
    readonly detail: string,
    readonly position?: SourcePosition,
  ) {
    super(position ? `Line ${position.line}, Col ${position.column}: ${detail}` : detail);
    this.name = "FormulaError";
  }

  toRunError(): AutoScaleRunError {
    return {
      code: this.code,
      message: formulaErrorMessages[this.code],
      values: [{ name: "Message", value: this.message }],
    };
  }
}

/** A type or runtime error at a position: the common case in the evaluator. */
export function evaluationError(detail: string, position: SourcePosition): FormulaError {
  return new FormulaError("AutoScaleFormulaEvaluationError", detail, position);
}

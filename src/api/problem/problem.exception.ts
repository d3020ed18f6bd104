import { HttpException } from '@nestjs/common';
import { Problem, problemForStatus } from './problem';

/** An HTTP error that already knows its problem body (validation failures, bad cursors). */
export class ProblemException extends HttpException {
  readonly problem: Problem;

  constructor(status: number, detail: string, extra: Partial<Problem> = {}) {
    const problem = problemForStatus(status, detail, extra);
    super(problem, status);
    this.problem = problem;
  }
}

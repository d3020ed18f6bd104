import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CloudError } from '../../cloud/driver/cloud-error';
import { PROBLEM_CONTENT_TYPE } from './problem';
import { toProblem } from './to-problem';

/** Answers every error as application/problem+json, except terminus' own health reports. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    if (isHealthReport(exception)) {
      reply.status(exception.getStatus()).send(exception.getResponse());
      return;
    }
    sendProblem(reply, request, exception);
  }
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, exception: unknown): void {
  const problem = toProblem(exception);
  const body = { ...problem, instance: request.url.split('?')[0], requestId: String(request.id) };
  const retryAfter = exception instanceof CloudError ? exception.options.retryAfterSeconds : undefined;
  if (retryAfter !== undefined) reply.header('Retry-After', String(retryAfter));
  // Also for answers given before the request's own hooks ran (the router's 400 and 414).
  reply.header('X-Request-Id', String(request.id));
  reply.status(problem.status).header('Content-Type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** Terminus throws a 503 whose body is the health report; probes and dashboards read that shape. */
function isHealthReport(exception: unknown): exception is HttpException {
  if (!(exception instanceof HttpException)) return false;
  const body = exception.getResponse();
  return typeof body === 'object' && body !== null && 'status' in body && 'details' in body;
}

import { CanActivate, ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from './problem/problem.exception';

/** Routes outside the API (probes, metrics) take what their callers send. */
const API_PREFIX = '/api/';

/**
 * One rule for every API route: a query parameter the operation does not define is a 400 naming it.
 * Operations with a query DTO already get that from the validation pipe (forbidNonWhitelisted); this
 * guard covers the operations that take no query at all, which no pipe sees (listClouds, the orphan
 * report, getNode...). A typo such as `?limt=5` must not silently mean "no limit".
 *
 * Health and metrics routes are exempt on purpose: they are called by kubelets, load balancers and
 * scrapers that operators configure (some append cache-busters or `?verbose`), and refusing those
 * would take a healthy replica out of rotation for a cosmetic reason. They define no parameters, so
 * whatever is sent changes nothing.
 */
export class NoUnknownQueryGuard implements CanActivate {
  private readonly takesQuery = new WeakMap<object, boolean>();

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!request.url.startsWith(API_PREFIX)) return true;
    const names = Object.keys((request.query as Record<string, unknown> | undefined) ?? {});
    if (!names.length || this.handlerTakesQuery(context)) return true;
    throw new ProblemException(400, names.map((name) => `unknown query parameter "${name}"`).join('; '), {
      errors: names.map((name) => ({ field: name, message: `unknown query parameter "${name}"` })),
    });
  }

  private handlerTakesQuery(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let known = this.takesQuery.get(handler);
    if (known === undefined) {
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {}) as object;
      known = Object.keys(args).some((key) => key.startsWith(`${RouteParamtypes.QUERY}:`));
      this.takesQuery.set(handler, known);
    }
    return known;
  }
}

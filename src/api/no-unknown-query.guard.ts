import { CanActivate, ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { getMetadataStorage } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from './problem/problem.exception';

/** Routes outside the API (probes, metrics) take what their callers send. */
const API_PREFIX = '/api/';

/** class-validator rules that make a query parameter a list, which may be repeated (`state=a&state=b`). */
const LIST_RULES = new Set(['isArray', 'arrayMinSize', 'arrayMaxSize']);

/** The query parameters one operation defines: each name, and whether it takes a list. */
type QueryShape = Map<string, { list: boolean }>;

/**
 * One rule for every API route, read from the operation's query DTO (none: no parameters):
 * - a query parameter the operation does not define is a 400 `unknown query parameter "x"` naming it
 *   (the validation pipe would call it an "unknown field", as in a body). A typo such as `?limt=5`
 *   must not silently mean "no limit";
 * - a parameter that takes one value, sent more than once (`?limit=1&limit=2`), is a 400 saying so:
 *   the parser makes it a list, and the pipe's verdict on a list ("limit must be an integer written in
 *   decimal digits", "cursor must be a string") sent callers after the wrong mistake.
 *
 * Health and metrics routes are exempt on purpose: they are called by kubelets, load balancers and
 * scrapers that operators configure (some append cache-busters or `?verbose`), and refusing those
 * would take a healthy replica out of rotation for a cosmetic reason. They define no parameters, so
 * whatever is sent changes nothing.
 */
export class NoUnknownQueryGuard implements CanActivate {
  private readonly shapes = new WeakMap<object, QueryShape>();

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!request.url.startsWith(API_PREFIX)) return true;
    const query = (request.query as Record<string, unknown> | undefined) ?? {};
    const names = Object.keys(query);
    if (!names.length) return true;
    const shape = this.shapeOf(context);
    const errors: Array<{ field: string; message: string }> = [];
    for (const name of names) {
      const defined = shape.get(name);
      const value = query[name];
      if (!defined) errors.push({ field: name, message: `unknown query parameter "${name}"` });
      else if (!defined.list && Array.isArray(value))
        errors.push({ field: name, message: `${name} is given ${value.length} times: give it once` });
    }
    if (!errors.length) return true;
    throw new ProblemException(400, errors.map((e) => e.message).join('; '), { errors });
  }

  private shapeOf(context: ExecutionContext): QueryShape {
    const handler = context.getHandler();
    let shape = this.shapes.get(handler);
    if (!shape) {
      shape = new Map();
      const controller = context.getClass();
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ?? {}) as Record<
        string,
        { index: number }
      >;
      const types = (Reflect.getMetadata('design:paramtypes', controller.prototype as object, handler.name) ??
        []) as unknown[];
      for (const [key, { index }] of Object.entries(args)) {
        if (!key.startsWith(`${RouteParamtypes.QUERY}:`) || typeof types[index] !== 'function') continue;
        for (const rule of getMetadataStorage().getTargetValidationMetadatas(types[index], '', true, false)) {
          const list = shape.get(rule.propertyName)?.list === true || rule.each || LIST_RULES.has(rule.name ?? '');
          shape.set(rule.propertyName, { list });
        }
      }
      this.shapes.set(handler, shape);
    }
    return shape;
  }
}

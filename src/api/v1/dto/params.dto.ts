import { ApiHideProperty, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { MAX_CURSOR_LENGTH } from '../../../cursors/cursor-seal';
import { ArrayMaxSize, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { NODE_STATES } from '../../../cloud/driver/compute-driver';
import type { NodeFilter, NodeState } from '../../../cloud/driver/compute-driver';
import { CLOUD_NAME } from '../../../config/settings.schema';
import { IntegerQueryParam, IsStringMap, KeepsEveryKey } from './validators';

export class CloudParams {
  @ApiProperty({ description: 'Cloud name (see listClouds); `default` is the default cloud.', example: 'default' })
  @Matches(CLOUD_NAME, { message: 'cloud must be a cloud name (a-z, 0-9, "-", "_")' })
  cloud: string;
}

export class NodeParams extends CloudParams {
  @ApiProperty({ minLength: 1, maxLength: 255, example: 'node-000001' })
  @IsString()
  @Length(1, 255)
  nodeId: string;
}

export class KeyPairParams extends CloudParams {
  @ApiProperty({ minLength: 1, maxLength: 255, example: 'deploy' })
  @IsString()
  @Length(1, 255)
  name: string;
}

/** listNodes and listAllNodes: a page, and filters (every one given must match). */
export class ListNodesQuery {
  @IntegerQueryParam({ minimum: 1, maximum: 1000, default: 1000, description: 'Page size.' })
  limit?: number;

  @ApiPropertyOptional({
    description:
      'The `nextCursor` of the previous page; send the same filters with it. A cursor this service did not ' +
      'issue, or issued for another cloud or other filters, is a 400 `invalid-cursor`; one whose place the ' +
      'cloud can no longer find is a 410 `cursor-expired` (restart without `cursor`).',
    maxLength: MAX_CURSOR_LENGTH,
  })
  @IsOptional()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({
    enum: NODE_STATES,
    enumName: 'NodeState',
    isArray: true,
    description: 'Only nodes in one of these states: repeated (`state=running&state=stopped`) or comma-separated.',
    example: ['running'],
  })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' ? value.split(',') : value))
  @ArrayMaxSize(NODE_STATES.length)
  @IsIn(NODE_STATES, { each: true, message: `state must be one or more of: ${NODE_STATES.join(', ')}` })
  state?: NodeState[];

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 255,
    // The example lives in the description: Swagger UI pre-fills "Try it out" with an `example`, and a
    // filter nobody asked for empties the list.
    description:
      'Only nodes with exactly this name, or, ending in `*`, whose name starts with what precedes it (e.g. `web-*`).',
  })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  @Matches(/^[^*]+\*?$/, { message: 'name must be a node name, or a prefix followed by a single trailing "*"' })
  name?: string;

  // Documented by hand (ApiNodeFilters): a deepObject query parameter, which the DTO explorer cannot express.
  @ApiHideProperty()
  @IsOptional()
  @KeepsEveryKey()
  @IsStringMap(
    { maxEntries: 16, maxKeyLength: 255, maxValueLength: 255 },
    { message: 'metadata filters are metadata.<key>=<value> (at most 16, each key and value at most 255 characters)' },
  )
  metadata?: Record<string, string>;
}

/** The filters of a listing query, as the compute layer takes them. */
export function nodeFilterOf(query: ListNodesQuery): NodeFilter {
  const filter: NodeFilter = {};
  if (query.state?.length) filter.states = [...new Set(query.state)];
  if (query.name !== undefined)
    filter.name = query.name.endsWith('*') ? { prefix: query.name.slice(0, -1) } : { exact: query.name };
  if (query.metadata && Object.keys(query.metadata).length) filter.metadata = query.metadata;
  return filter;
}

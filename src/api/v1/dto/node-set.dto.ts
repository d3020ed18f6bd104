import { ApiProperty, ApiPropertyOptional, ApiSchema, OmitType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { CLOUD_NAME } from '../../../config/settings.schema';
import { MEMBER_STEPS, NODE_SET_STATES, NODE_SET_VIEW_STATES } from '../../../node-sets/node-set.model';
import { ProblemDto } from '../../problem/problem.dto';
import { CreateNodeDto } from './create-node.dto';
import { IntegerQueryParam, IsOptionalButNotNull, IsSafeName, StoredListingCursorParam } from './validators';

@ApiSchema({
  name: 'NodeSetMemberRequest',
  description: 'One node of a set (or `count` alike ones), on one cloud: the fields of createNode plus the cloud.',
})
export class NodeSetMemberRequestDto extends OmitType(CreateNodeDto, ['networks'] as const) {
  @ApiProperty({ description: 'Cloud name (see listClouds).', example: 'default' })
  @Matches(CLOUD_NAME, { message: 'cloud must be a cloud name (a-z, 0-9, "-", "_")' })
  cloud: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 1000,
    description: 'This many alike nodes, named `<name>-1` ... `<name>-<count>`; absent: one node named `name`.',
    example: 3,
  })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(1)
  @Max(1000)
  count?: number;
}

@ApiSchema({ name: 'CreateNodeSetRequest', description: 'A set of nodes across clouds, created all or nothing.' })
export class CreateNodeSetDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 255,
    description:
      'No control characters (U+0000–U+001F, U+007F–U+009F) and no bidirectional controls (U+202A–U+202E, ' +
      'U+2066–U+2069): 400.',
    example: 'web-tier',
  })
  @IsString()
  @Length(1, 255)
  @IsSafeName()
  name: string;

  @ApiProperty({ type: [NodeSetMemberRequestDto], minItems: 1, maxItems: 1000 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => NodeSetMemberRequestDto)
  nodes: NodeSetMemberRequestDto[];

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 86400,
    description:
      'Seconds until every member must be running, else the set rolls back; default nodeSets.defaultTimeoutSeconds (600).',
    example: 600,
  })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(1)
  @Max(86400)
  timeoutSeconds?: number;
}

@ApiSchema({ name: 'NodeSetMember', description: 'One member of a node set and where its step stands.' })
export class NodeSetMemberDto {
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'Position in the set, 0-based, in request order after `count` expansion.',
  })
  index: number;
  @ApiProperty({ example: 'web-1' })
  name: string;
  @ApiProperty({ example: 'default' })
  cloud: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "The node's id in its cloud once the cloud answered the create.",
  })
  nodeId: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      "The node's state: for a `ready` set as its cloud reports it at read time (`gone` when the cloud no longer has it, " +
      '`unknown` when the cloud could not be read: see `nodeStateError`); for a set the service is still working on, as last ' +
      'seen by it. Null before the create answered.',
    example: 'running',
  })
  nodeState: string | null;
  @ApiProperty({
    enum: MEMBER_STEPS,
    description:
      '`planned` (nothing sent), `creating` (create sent, answer not yet recorded), `created`, `running`, `failed` ' +
      '(refused, or reached error/terminated), `destroying`, `destroyed`, `cancelled` (never created).',
  })
  step: string;
  @ApiProperty({ example: 'img-ubuntu-2404' })
  image: string;
  @ApiProperty({ example: 'small' })
  size: string;
  @ApiPropertyOptional({
    description: 'The last error met on this member (a refused create, a destroy being retried).',
  })
  error?: string;
  @ApiPropertyOptional({
    description:
      "Why `nodeState` is `unknown`: the member's cloud could not be read (the cloud, the error's kind and message). " +
      'The rest of the set is read as usual.',
    example: 'cloud "lab" could not be read: timeout: list nodes: no answer within 30000 ms',
  })
  nodeStateError?: string;
}

@ApiSchema({ name: 'NodeSet', description: 'A set of nodes across clouds, created all or nothing.' })
export class NodeSetDto {
  @ApiProperty({ example: '5b0e7a43-2a54-4d0e-b1b3-2f1c37a3c6a9' })
  id: string;
  @ApiProperty({ example: 'web-tier' })
  name: string;
  @ApiProperty({
    enum: NODE_SET_VIEW_STATES,
    description:
      '`creating` until every member runs (`ready`); on any failure `rolling_back` (every member created is destroyed; ' +
      'a cloud that is down is retried with backoff) then `failed`; DELETE: `deleting` then `deleted`. `degraded`: the set ' +
      'was ready and a member is gone from its cloud, `terminated` or in `error` (destroyed outside the set, say at the ' +
      'cloud): it is no longer whole; DELETE destroys the rest. Read from the clouds at each read; a member whose cloud ' +
      'cannot be read is `unknown` and does not make the set degraded.',
  })
  state: string;
  @ApiProperty({ description: 'The operation following the set now: its create, then its delete (getOperation).' })
  operationId: string;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
  @ApiProperty({ format: 'date-time', description: 'When a set still creating rolls back as timed out.' })
  deadline: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'Members per cloud.',
    example: { default: 2, east: 1 },
  })
  counts: Record<string, number>;
  @ApiProperty({ type: [NodeSetMemberDto] })
  members: NodeSetMemberDto[];
  @ApiPropertyOptional({
    type: ProblemDto,
    description:
      'Why the set failed: an RFC 9457 problem whose detail names the member, its cloud and the cause (also in `cloud` and `member`).',
  })
  error?: ProblemDto;
}

@ApiSchema({ name: 'NodeSetPage', description: 'One page of node sets, newest first.' })
export class NodeSetPageDto {
  @ApiProperty({ type: [NodeSetDto] })
  items: NodeSetDto[];
  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page; absent on the last page.' })
  nextCursor?: string;
}

export class NodeSetParams {
  @ApiProperty({ description: 'Node set id.', minLength: 1, maxLength: 64 })
  @IsString()
  @Length(1, 64)
  id: string;
}

export class ListNodeSetsQuery {
  @IntegerQueryParam({ minimum: 1, maximum: 1000, default: 100 })
  limit?: number;
  @StoredListingCursorParam()
  cursor?: string;
}

export class CreateNodeSetQuery {
  @ApiPropertyOptional({
    type: Boolean,
    default: false,
    description:
      'Preview: create nothing and answer 200 with the plan (every reference checked on its cloud, counts per cloud, cost), ' +
      'or 422 with every problem. Not combined with an Idempotency-Key (400).',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'dryRun must be true or false' })
  dryRun?: boolean;
}

@ApiSchema({ name: 'NodeSetPlannedMember', description: 'One member as a dry run plans it.' })
export class PlannedMemberDto {
  @ApiProperty({ type: 'integer', minimum: 0 })
  index: number;
  @ApiProperty({ example: 'web-1' })
  name: string;
  @ApiProperty({ example: 'default' })
  cloud: string;
  @ApiProperty({ example: 'img-ubuntu-2404' })
  image: string;
  @ApiProperty({ example: 'small' })
  size: string;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: "The size's published hourly price in USD; null when the cloud publishes none.",
    example: 0.0075,
  })
  hourlyPrice: number | null;
}

@ApiSchema({ name: 'NodeSetCost', description: "Estimated cost of a set from its sizes' published prices." })
export class NodeSetCostDto {
  @ApiProperty({ enum: ['USD'] })
  currency: string;
  @ApiProperty({ description: "Sum of the priced members' hourly prices.", example: 0.0375 })
  hourly: number;
  @ApiProperty({ description: 'hourly × hoursPerMonth.', example: 27.375 })
  monthly: number;
  @ApiProperty({ description: 'Hours in a month for the estimate (365 × 24 / 12).', example: 730 })
  hoursPerMonth: number;
  @ApiProperty({ type: [String], description: 'Members whose size has no published price (not in the sums).' })
  unpricedMembers: string[];
}

@ApiSchema({ name: 'NodeSetPlan', description: 'What createNodeSet would do (dryRun=true): nothing is created.' })
export class NodeSetPlanDto {
  @ApiProperty({ example: 'web-tier' })
  name: string;
  @ApiProperty({ enum: [true], description: 'Always true: an invalid set is a 422 problem instead.' })
  valid: boolean;
  @ApiProperty({ type: [PlannedMemberDto] })
  members: PlannedMemberDto[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, example: { default: 3, lab: 1 } })
  counts: Record<string, number>;
  @ApiProperty({ type: NodeSetCostDto })
  cost: NodeSetCostDto;
}

@ApiSchema({
  name: 'NodeSetOrphan',
  description: "A node carrying this service's node set mark but belonging to no live set.",
})
export class OrphanDto {
  @ApiProperty({ example: 'default' })
  cloud: string;
  @ApiProperty({ example: 'node-000042' })
  nodeId: string;
  @ApiProperty({ example: 'web-3' })
  name: string;
  @ApiProperty({ example: 'running' })
  state: string;
  @ApiProperty({ description: 'The set id the mark names (metadata orchestrator-node-set).' })
  setId: string;
  @ApiProperty({
    nullable: true,
    enum: NODE_SET_STATES,
    description: "That set's state; null when there is no such set.",
  })
  setState: string | null;
  @ApiProperty({ example: 'its node set is failed' })
  reason: string;
}

@ApiSchema({ name: 'CloudListingError', description: 'A cloud that could not be listed.' })
export class CloudListingErrorDto {
  @ApiProperty({ example: 'lab' })
  cloud: string;
  @ApiProperty()
  detail: string;
}

@ApiSchema({ name: 'NodeSetOrphans', description: 'Orphans on every cloud, and the clouds that could not be listed.' })
export class OrphanReportDto {
  @ApiProperty({ type: [OrphanDto] })
  items: OrphanDto[];
  @ApiProperty({
    type: [CloudListingErrorDto],
    description: 'Clouds whose orphans are unknown because they could not be listed.',
  })
  errors: CloudListingErrorDto[];
}

import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiSchema, getSchemaPath } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { CLOUD_NAME } from '../../../config/settings.schema';
import { ProblemDto } from '../../problem/problem.dto';
import { NodeSetDto } from './node-set.dto';
import { IntegerQueryParam, StoredListingCursorParam } from './validators';
import { NodeDto } from './node.dto';

export const OPERATION_KINDS = [
  'createNode',
  'rebootNode',
  'startNode',
  'stopNode',
  'destroyNode',
  'createNodeSet',
  'deleteNodeSet',
] as const;
export const OPERATION_STATES = ['running', 'succeeded', 'failed'] as const;

/** A long-running operation (Google AIP-151), started by every accepted write. */
@ApiExtraModels(NodeDto, NodeSetDto)
@ApiSchema({
  name: 'Operation',
  description: 'A long-running operation (Google AIP-151) started by an accepted write.',
})
export class OperationDto {
  @ApiProperty({ example: '0b6f2c1e-6a43-4f7e-9a57-1d0f5b7b1c11' })
  id: string;
  @ApiProperty({ enum: OPERATION_KINDS, description: 'The operationId of the write that started it.' })
  kind: string;
  @ApiProperty({ description: 'The cloud; `*` for node set operations (they span clouds).', example: 'default' })
  cloud: string;
  @ApiProperty({
    description: 'The node the operation acts on (the node set id for createNodeSet and deleteNodeSet).',
    example: 'node-000004',
  })
  target: string;
  @ApiProperty({
    enum: OPERATION_STATES,
    description:
      '`succeeded` once the node reached the state the write aims at (`running`; `stopped` for stopNode; gone for destroyNode); ' +
      "`failed` when it reached `error` (or `terminated`) or the cloud's waitTimeoutMs passed.",
  })
  state: string;
  @ApiProperty({ description: 'true once state is succeeded or failed.' })
  done: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "The node's state as last seen by the service.",
    example: 'pending',
  })
  nodeState: string | null;
  @ApiProperty({ format: 'date-time' })
  createdAt: string;
  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
  @ApiProperty({ format: 'date-time', description: 'When a still-running operation fails as timed out.' })
  deadline: string;
  @ApiPropertyOptional({
    oneOf: [{ $ref: getSchemaPath(NodeDto) }, { $ref: getSchemaPath(NodeSetDto) }],
    description: 'Once succeeded: the node (absent for destroyNode); the node set for createNodeSet and deleteNodeSet.',
  })
  result?: NodeDto | NodeSetDto;
  @ApiPropertyOptional({ type: ProblemDto, description: 'Why it failed (RFC 9457 problem).' })
  error?: ProblemDto;
}

@ApiSchema({ name: 'OperationPage', description: 'One page of operations, newest first.' })
export class OperationPageDto {
  @ApiProperty({ type: [OperationDto], description: 'Newest first.' })
  items: OperationDto[];
  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page; absent on the last page.' })
  nextCursor?: string;
}

export class OperationParams {
  @IsString()
  @ApiProperty({ description: 'Operation id.' })
  id: string;
}

export class GetOperationQuery {
  @IntegerQueryParam({
    minimum: 0,
    maximum: 60,
    description: 'Long-poll: answer as soon as the operation is done, or after this many seconds with it as it is.',
  })
  wait?: number;
}

/** A cloud name (as configured), or `*`: the "cloud" of node set operations, which span clouds. */
const OPERATION_CLOUD = new RegExp(`^(?:\\*|${CLOUD_NAME.source.slice(1, -1)})$`);

export class ListOperationsQuery {
  @IsOptional()
  @IsString()
  @Matches(OPERATION_CLOUD, {
    message: 'cloud must be a cloud name (a-z, 0-9, "-", "_"), or "*" for node set operations',
  })
  @ApiPropertyOptional({
    description:
      'Only operations on this cloud; `*` for node set operations (createNodeSet, deleteNodeSet), which span clouds.',
    pattern: OPERATION_CLOUD.source,
  })
  cloud?: string;
  @IsOptional()
  @IsIn(OPERATION_STATES)
  @ApiPropertyOptional({ enum: OPERATION_STATES })
  state?: (typeof OPERATION_STATES)[number];
  @IntegerQueryParam({ minimum: 1, maximum: 1000, default: 100 })
  limit?: number;
  @StoredListingCursorParam()
  cursor?: string;
}

import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { NODE_STATES } from '../../../cloud/driver/compute-driver';
import type { NodeState } from '../../../cloud/driver/compute-driver';

@ApiSchema({ name: 'Node', description: 'A node (virtual machine) in one cloud.' })
export class NodeDto {
  @ApiProperty({ description: 'The node id, unique within its cloud.', example: 'node-000001' })
  id: string;

  @ApiProperty({ description: 'The cloud the node lives in.', example: 'default' })
  cloud: string;

  @ApiProperty({ example: 'web-1' })
  name: string;

  @ApiProperty({ enum: NODE_STATES, enumName: 'NodeState', example: 'running' })
  state: NodeState;

  @ApiProperty({ type: [String], example: ['203.0.113.10'] })
  publicIps: string[];

  @ApiProperty({ type: [String], example: ['10.0.0.10'] })
  privateIps: string[];

  @ApiProperty({ type: String, nullable: true, example: 'img-ubuntu-2404' })
  imageId: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'small' })
  sizeId: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'dc-ams' })
  locationId: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-25T16:00:00.000Z' })
  createdAt: string | null;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { team: 'web' } })
  metadata: Record<string, string>;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Provider-specific facts (never credentials).',
    example: { keyName: 'deploy' },
  })
  extra: Record<string, unknown>;
}

@ApiSchema({ name: 'NodePage', description: "One page of a cloud's nodes." })
export class NodePageDto {
  @ApiProperty({ type: [NodeDto] })
  items: NodeDto[];

  @ApiProperty({
    required: false,
    description: 'Pass as `cursor` to get the next page; absent on the last page. Opaque.',
    example: 'eyJjIjoiZGVmYXVsdCIsIm0iOiJub2RlLTAwMDAwMiJ9',
  })
  nextCursor?: string;
}

@ApiSchema({ name: 'CloudFailure', description: 'A cloud that failed to answer listAllNodes.' })
export class CloudFailureDto {
  @ApiProperty({ example: 'lab' })
  cloud: string;

  @ApiProperty({ type: 'integer', description: 'The HTTP status this failure would have on its own.', example: 502 })
  status: number;

  @ApiProperty({ example: 'Cloud unavailable' })
  title: string;

  @ApiProperty({ example: 'cloud "lab": list nodes: cannot reach the cloud (ECONNREFUSED)' })
  detail: string;
}

@ApiSchema({ name: 'AllNodes', description: 'The nodes of every cloud that answered, and the clouds that did not.' })
export class AllNodesDto {
  @ApiProperty({ type: [NodeDto], description: 'Nodes of every cloud that answered.' })
  items: NodeDto[];

  @ApiProperty({ type: [CloudFailureDto], description: 'Clouds that failed to answer; the others still did.' })
  errors: CloudFailureDto[];

  @ApiProperty({
    required: false,
    description: 'Pass as `cursor` (with the same filters) to get the next page; absent on the last page. Opaque.',
    example: 'eyJjIjoiZXUiLCJtIjoibm9kZS0wMDAwMDIiLCJwIjoxMDAwfQ',
  })
  nextCursor?: string;
}

import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'FieldError', description: 'One field that failed validation.' })
export class FieldErrorDto {
  @ApiProperty({ example: 'name' })
  field: string;

  @ApiProperty({ example: 'name must be shorter than or equal to 255 characters' })
  message: string;
}

/** RFC 9457 problem details: the body of every 4xx and 5xx answer (application/problem+json). */
@ApiSchema({
  name: 'Problem',
  description: 'RFC 9457 problem details: the body of every 4xx and 5xx answer (application/problem+json).',
})
export class ProblemDto {
  @ApiProperty({
    description: 'A URI naming the kind of problem.',
    example: 'urn:cloud-orchestrator:problem:not-found',
  })
  type: string;

  @ApiProperty({ description: 'Short, human-readable summary of the kind of problem.', example: 'Not found' })
  title: string;

  @ApiProperty({ type: 'integer', description: 'The HTTP status code.', example: 404 })
  status: number;

  @ApiProperty({
    description: 'What went wrong with this request.',
    example: 'cloud "default": node node-000042 not found',
  })
  detail: string;

  @ApiPropertyOptional({ description: 'The request path.', example: '/api/v1/clouds/default/nodes/node-000042' })
  instance?: string;

  @ApiPropertyOptional({
    description: 'The request id (also in the X-Request-Id header and the logs).',
    example: '5f0c6a9e-1b7d-4c1e-9d0a-3f2b8c4e7a61',
  })
  requestId?: string;

  @ApiPropertyOptional({ description: 'The cloud involved, where there is one.', example: 'default' })
  cloud?: string;

  @ApiPropertyOptional({
    description: 'The node set member involved, by name (a failed node set; a node a live set holds).',
    example: 'web-2',
  })
  member?: string;

  @ApiPropertyOptional({
    description:
      'The node set involved, by id (type …:node-set-member: the node belongs to this live set; delete the set instead).',
    example: '5b0e7a43-2a54-4d0e-b1b3-2f1c37a3c6a9',
  })
  nodeSet?: string;

  @ApiPropertyOptional({ description: 'Field-level validation failures.', type: [FieldErrorDto] })
  errors?: FieldErrorDto[];
}

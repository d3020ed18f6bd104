import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'CloudHealthError', description: 'Why the last check of a cloud failed.' })
export class CloudHealthErrorDto {
  @ApiProperty({ description: 'The kind of failure.', example: 'auth_failed' })
  kind: string;

  @ApiProperty({ example: 'health check: credentials rejected by the cloud (HTTP 401)' })
  detail: string;
}

@ApiSchema({ name: 'CloudHealth', description: 'The last background check of one cloud.' })
export class CloudHealthDto {
  @ApiProperty({ example: 'lab' })
  cloud: string;

  @ApiProperty({ example: 'openstack' })
  engine: string;

  @ApiProperty({
    enum: ['up', 'down', 'unknown'],
    description: '`unknown` until the first check has finished.',
    example: 'up',
  })
  status: 'up' | 'down' | 'unknown';

  @ApiProperty({ type: Number, nullable: true, example: 42 })
  latencyMs: number | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-11-25T16:00:00.000Z' })
  checkedAt: string | null;

  @ApiPropertyOptional({ type: CloudHealthErrorDto })
  error?: CloudHealthErrorDto;

  @ApiProperty({
    enum: ['closed', 'open', 'half-open'],
    description:
      "The cloud's circuit breaker: `open` after repeated failures (calls fail fast with 503 and Retry-After), " +
      '`half-open` while one trial call decides whether it closes again.',
    example: 'closed',
  })
  circuit: 'closed' | 'open' | 'half-open';
}

@ApiSchema({ name: 'CloudHealthReport', description: 'The last background check of every cloud.' })
export class CloudHealthReportDto {
  @ApiProperty({ enum: ['ok', 'degraded'], example: 'ok' })
  status: 'ok' | 'degraded';

  @ApiProperty({ type: [CloudHealthDto] })
  clouds: CloudHealthDto[];
}

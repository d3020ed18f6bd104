import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { CLOUD_NAME } from '../../../config/settings.schema';

export class CloudParams {
  @ApiProperty({ description: 'Cloud name (see listClouds); `default` is the default cloud.', example: 'default' })
  @Matches(CLOUD_NAME, { message: 'cloud must be a cloud name (a-z, 0-9, "-", "_")' })
  cloud: string;
}

export class NodeParams extends CloudParams {
  @ApiProperty({ example: 'node-000001' })
  @IsString()
  @Length(1, 255)
  nodeId: string;
}

export class KeyPairParams extends CloudParams {
  @ApiProperty({ example: 'deploy' })
  @IsString()
  @Length(1, 255)
  name: string;
}

export class ListNodesQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 1000, description: 'Page size.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cursor?: string;
}

import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { SERVICE_METADATA_PREFIX } from '../../../cloud/driver/compute-driver';
import { HasNoKeysStartingWith, IsStringMap, KeepsEveryKey } from './validators';

@ApiSchema({ name: 'CreateNodeRequest', description: 'What a new node is made from.' })
export class CreateNodeDto {
  @ApiProperty({ minLength: 1, maxLength: 255, example: 'web-1' })
  @IsString()
  @Length(1, 255)
  name: string;

  @ApiProperty({ description: 'Image id (see listImages).', example: 'img-ubuntu-2404' })
  @IsString()
  @Length(1, 255)
  image: string;

  @ApiProperty({ description: 'Size id (see listSizes).', example: 'small' })
  @IsString()
  @Length(1, 255)
  size: string;

  @ApiPropertyOptional({
    description: 'Location id (see listLocations); the cloud chooses when absent.',
    example: 'dc-ams',
  })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  location?: string;

  @ApiPropertyOptional({ description: 'Name of a key pair in this cloud (see listKeyPairs).', example: 'deploy' })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  keyName?: string;

  @ApiPropertyOptional({
    description: 'Cloud-init or script text, at most 64 KiB.',
    maxLength: 65536,
    example: '#cloud-config\npackages: [nginx]\n',
  })
  @IsOptional()
  @IsString()
  @MaxLength(65536)
  userData?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 255 },
    description:
      'String key/value pairs, at most 64 entries; keys 1-255 characters, values up to 255. Keys starting with ' +
      '`orchestrator-` are reserved for the marks the service puts on its nodes (400). Any other key is kept as ' +
      'sent, `constructor` or `toString` included; `__proto__` alone is refused (400).',
    example: { team: 'web' },
  })
  @IsOptional()
  @KeepsEveryKey()
  @IsStringMap({ maxEntries: 64, maxKeyLength: 255, maxValueLength: 255 })
  @HasNoKeysStartingWith(SERVICE_METADATA_PREFIX)
  metadata?: Record<string, string>;

  @ApiPropertyOptional({
    type: [String],
    description: 'Network ids to attach, on clouds that have networks.',
    example: [],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(16)
  @IsString({ each: true })
  @Length(1, 255, { each: true })
  networks?: string[];
}

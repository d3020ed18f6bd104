import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsString, Length, MaxLength } from 'class-validator';
import { SERVICE_METADATA_PREFIX } from '../../../cloud/driver/compute-driver';
import { HasNoKeysStartingWith, IsOptionalButNotNull, IsSafeName, IsStringMap, KeepsEveryKey } from './validators';

@ApiSchema({ name: 'CreateNodeRequest', description: 'What a new node is made from.' })
export class CreateNodeDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 255,
    description:
      'No control characters (U+0000–U+001F, U+007F–U+009F), no bidirectional controls (U+202A–U+202E, ' +
      "U+2066–U+2069) and no `*` (the listing's `name` filter reads it as a prefix wildcard): 400.",
    example: 'web-1',
  })
  @IsString()
  @Length(1, 255)
  @IsSafeName({ noWildcard: true })
  name: string;

  @ApiProperty({ description: 'Image id (see listImages).', minLength: 1, maxLength: 255, example: 'img-ubuntu-2404' })
  @IsString()
  @Length(1, 255)
  image: string;

  @ApiProperty({ description: 'Size id (see listSizes).', minLength: 1, maxLength: 255, example: 'small' })
  @IsString()
  @Length(1, 255)
  size: string;

  @ApiPropertyOptional({
    description: 'Location id (see listLocations); the cloud chooses when absent.',
    minLength: 1,
    maxLength: 255,
    example: 'dc-ams',
  })
  @IsOptionalButNotNull()
  @IsString()
  @Length(1, 255)
  location?: string;

  @ApiPropertyOptional({
    description: 'Name of a key pair in this cloud (see listKeyPairs).',
    minLength: 1,
    maxLength: 255,
    example: 'deploy',
  })
  @IsOptionalButNotNull()
  @IsString()
  @Length(1, 255)
  keyName?: string;

  @ApiPropertyOptional({
    description: 'Cloud-init or script text, at most 64 KiB.',
    maxLength: 65536,
    example: '#cloud-config\npackages: [nginx]\n',
  })
  @IsOptionalButNotNull()
  @IsString()
  @MaxLength(65536)
  userData?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 255 },
    description:
      'String key/value pairs, at most 64 entries; keys 1-255 characters, values up to 255. Keys starting with ' +
      '`orchestrator-` (in any letter case) are reserved for the marks the service puts on its nodes (400). Any other key is kept as ' +
      'sent, `constructor` or `toString` included; `__proto__` alone is refused (400).',
    example: { team: 'web' },
  })
  @IsOptionalButNotNull()
  @KeepsEveryKey()
  @IsStringMap({ maxEntries: 64, maxKeyLength: 255, maxValueLength: 255 })
  @HasNoKeysStartingWith(SERVICE_METADATA_PREFIX)
  metadata?: Record<string, string>;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', minLength: 1, maxLength: 255 },
    maxItems: 16,
    description: 'Network ids to attach, on clouds that have networks.',
    example: [],
  })
  @IsOptionalButNotNull()
  @IsArray()
  @ArrayMaxSize(16)
  @IsString({ each: true })
  @Length(1, 255, { each: true })
  networks?: string[];
}

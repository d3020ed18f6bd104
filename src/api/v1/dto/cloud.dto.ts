import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'Capabilities', description: 'What the cloud can do; an operation it cannot do answers 501.' })
export class CapabilitiesDto {
  @ApiProperty({ example: true }) reboot: boolean;
  @ApiProperty({ example: true }) start: boolean;
  @ApiProperty({ example: true }) stop: boolean;
  @ApiProperty({ example: true }) keyPairs: boolean;
  @ApiProperty({ example: true }) importKeyPair: boolean;
  @ApiProperty({ example: true }) locations: boolean;
  @ApiProperty({ example: true }) userData: boolean;
  @ApiProperty({ example: true }) metadata: boolean;
}

/** A configured cloud as callers see it: never its credentials or endpoints. */
@ApiSchema({ name: 'Cloud', description: 'A configured cloud (never its credentials).' })
export class CloudDto {
  @ApiProperty({ example: 'default' })
  name: string;

  @ApiProperty({ example: 'dummy' })
  engine: string;

  @ApiProperty({ example: 'Built-in in-memory cloud' })
  provider: string;

  @ApiProperty({ example: true })
  default: boolean;

  @ApiProperty({ type: CapabilitiesDto })
  capabilities: CapabilitiesDto;
}

@ApiSchema({ name: 'CloudList', description: 'Every configured cloud.' })
export class CloudListDto {
  @ApiProperty({ type: [CloudDto] })
  items: CloudDto[];
}

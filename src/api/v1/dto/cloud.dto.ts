import { ApiProperty } from '@nestjs/swagger';

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

export class CloudListDto {
  @ApiProperty({ type: [CloudDto] })
  items: CloudDto[];
}

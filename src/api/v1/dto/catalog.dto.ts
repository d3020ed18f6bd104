import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'Image', description: 'An image a node can be created from.' })
export class ImageDto {
  @ApiProperty({ example: 'img-ubuntu-2404' })
  id: string;

  @ApiProperty({ example: 'Ubuntu 24.04 LTS' })
  name: string;

  @ApiProperty({ type: 'object', additionalProperties: true, example: { os: 'linux' } })
  extra: Record<string, unknown>;
}

@ApiSchema({ name: 'Size', description: 'A size (flavor, instance type) a node can have.' })
export class SizeDto {
  @ApiProperty({ example: 'small' })
  id: string;

  @ApiProperty({ example: 'Small (1 vCPU, 1 GiB)' })
  name: string;

  @ApiProperty({ type: Number, nullable: true, description: 'Memory in MiB.', example: 1024 })
  ram: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Disk in GiB.', example: 20 })
  disk: number | null;

  @ApiProperty({ type: Number, nullable: true, example: 1 })
  vcpus: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'Hourly price in USD, where published.', example: 0.0075 })
  price: number | null;

  @ApiProperty({ type: 'object', additionalProperties: true, example: {} })
  extra: Record<string, unknown>;
}

@ApiSchema({ name: 'Location', description: 'A location (region, zone, data centre) a node can be placed in.' })
export class LocationDto {
  @ApiProperty({ example: 'dc-ams' })
  id: string;

  @ApiProperty({ example: 'Amsterdam 1' })
  name: string;

  @ApiProperty({ type: String, nullable: true, description: 'ISO 3166 country code.', example: 'NL' })
  country: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true, example: {} })
  extra: Record<string, unknown>;
}

@ApiSchema({ name: 'ImageList', description: 'The images of one cloud.' })
export class ImageListDto {
  @ApiProperty({ type: [ImageDto] })
  items: ImageDto[];
}

@ApiSchema({ name: 'SizeList', description: 'The sizes of one cloud.' })
export class SizeListDto {
  @ApiProperty({ type: [SizeDto] })
  items: SizeDto[];
}

@ApiSchema({ name: 'LocationList', description: 'The locations of one cloud.' })
export class LocationListDto {
  @ApiProperty({ type: [LocationDto] })
  items: LocationDto[];
}

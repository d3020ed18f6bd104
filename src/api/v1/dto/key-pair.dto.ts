import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsString, Length, Matches, MaxLength } from 'class-validator';
import { IsOpenSshPublicKey } from './validators';

const EXAMPLE_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHJdVgwxacuRuPqIauk2IAYYXlbOpcH0savYWK1QfKCM deploy@example';

@ApiSchema({ name: 'KeyPair', description: 'An SSH key pair known to the cloud (its public half).' })
export class KeyPairDto {
  @ApiProperty({ example: 'deploy' })
  name: string;

  @ApiProperty({ type: String, nullable: true, example: '67:a6:cc:b8:c3:76:36:64:7e:d3:53:0e:3c:31:ab:e2' })
  fingerprint: string | null;

  @ApiProperty({ type: String, nullable: true, example: EXAMPLE_KEY })
  publicKey: string | null;
}

@ApiSchema({ name: 'ImportKeyPairRequest', description: 'An OpenSSH public key to import under a name.' })
export class ImportKeyPairDto {
  @ApiProperty({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9 ._@-]+$', example: 'deploy' })
  @IsString()
  @Length(1, 255)
  @Matches(/^[A-Za-z0-9 ._@-]+$/, { message: 'name may contain letters, digits, spaces and . _ @ - only' })
  name: string;

  @ApiProperty({ description: 'An OpenSSH public key line.', maxLength: 16384, example: EXAMPLE_KEY })
  @IsString()
  @MaxLength(16384)
  @IsOpenSshPublicKey()
  publicKey: string;
}

@ApiSchema({ name: 'KeyPairList', description: 'The key pairs of one cloud.' })
export class KeyPairListDto {
  @ApiProperty({ type: [KeyPairDto] })
  items: KeyPairDto[];
}

import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ComputeService } from '../../compute/compute.service';
import { IdempotentWrite } from '../../idempotency/idempotent-write.decorator';
import { ApiProblems } from '../problem/api-problems.decorator';
import { ImportKeyPairDto, KeyPairDto, KeyPairListDto } from './dto/key-pair.dto';
import { CloudParams, KeyPairParams } from './dto/params.dto';
import { ApiCatalogCaching, catalogAnswer } from './catalog-caching';

@ApiTags('key-pairs')
@Controller({ path: 'clouds/:cloud/key-pairs', version: '1' })
export class KeyPairsController {
  constructor(private readonly compute: ComputeService) {}

  @Get()
  @ApiOperation({
    operationId: 'listKeyPairs',
    summary: 'SSH key pairs known to the cloud',
    description:
      'Names and fingerprints of the public keys the cloud can inject into new nodes (`keyName` of createNode).',
  })
  @ApiCatalogCaching(KeyPairListDto)
  @ApiProblems(400, 404, 501, 502, 503, 504)
  async listKeyPairs(
    @Param() params: CloudParams,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<KeyPairListDto | undefined> {
    return catalogAnswer(request, reply, await this.compute.listKeyPairs(params.cloud));
  }

  @Post()
  @ApiOperation({
    operationId: 'importKeyPair',
    summary: 'Import an OpenSSH public key as a key pair',
    description:
      'The key is checked before the cloud sees it (400 if it is not an OpenSSH public key); 409 if the name is taken.',
  })
  @IdempotentWrite()
  @ApiCreatedResponse({ type: KeyPairDto })
  @ApiProblems(400, 404, 409, 413, 415, 501, 502, 503, 504)
  importKeyPair(@Param() params: CloudParams, @Body() body: ImportKeyPairDto): Promise<KeyPairDto> {
    return this.compute.importKeyPair(params.cloud, body.name, body.publicKey);
  }

  @Delete(':name')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    operationId: 'deleteKeyPair',
    summary: 'Delete a key pair',
    description: 'Nodes created with it keep the key; 404 if the cloud has no key pair of that name.',
  })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiProblems(400, 404, 501, 502, 503, 504)
  async deleteKeyPair(@Param() params: KeyPairParams): Promise<void> {
    await this.compute.deleteKeyPair(params.cloud, params.name);
  }
}

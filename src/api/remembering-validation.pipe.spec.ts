import { ArgumentMetadata, BadRequestException } from '@nestjs/common';
import { CloudParams, ListNodesQuery } from './v1/dto/params.dto';
import { RememberingValidationPipe } from './remembering-validation.pipe';

describe('RememberingValidationPipe', () => {
  const pipe = () =>
    new RememberingValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: () => new BadRequestException('invalid'),
    });
  const param: ArgumentMetadata = { type: 'param', metatype: CloudParams };
  const query: ArgumentMetadata = { type: 'query', metatype: ListNodesQuery };

  it('answers a remembered parameter set with an equal, separate DTO', async () => {
    const p = pipe();
    const first = (await p.transform({ limit: '5' }, query)) as ListNodesQuery;
    const second = (await p.transform({ limit: '5' }, query)) as ListNodesQuery;
    expect(second).toBeInstanceOf(ListNodesQuery);
    expect(second).toEqual(first);
    expect(second.limit).toBe(5); // transformed, as the first time
    expect(second).not.toBe(first);
    second.limit = 99; // a controller changing its copy changes nobody else's
    expect(((await p.transform({ limit: '5' }, query)) as ListNodesQuery).limit).toBe(5);
  });

  it('keeps different parameter sets and DTO classes apart', async () => {
    const p = pipe();
    expect(await p.transform({ cloud: 'a' }, param)).toEqual({ cloud: 'a' });
    expect(await p.transform({ cloud: 'b' }, param)).toEqual({ cloud: 'b' });
    expect(await p.transform({ limit: '7' }, query)).toEqual({ limit: 7 });
    await expect(p.transform({ cloud: 'a' }, query)).rejects.toThrow(BadRequestException); // unknown field
  });

  it('refuses a bad set every time, also next to remembered good ones', async () => {
    const p = pipe();
    await p.transform({ cloud: 'good' }, param);
    for (let i = 0; i < 3; i++) {
      await expect(p.transform({ cloud: 'Bad Name!' }, param)).rejects.toThrow(BadRequestException);
      await expect(p.transform({ limit: '0' }, query)).rejects.toThrow(BadRequestException);
      await expect(p.transform({ cloud: 'good', extra: 'x' }, param)).rejects.toThrow(BadRequestException);
    }
    expect(await p.transform({ cloud: 'good' }, param)).toEqual({ cloud: 'good' });
  });
});

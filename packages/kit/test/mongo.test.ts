import { describe, expect, it } from 'vitest';
import { connectMongo, redactUrl } from '../src/index';

describe('connectMongo', () => {
  it('names the unreachable server without leaking the password', async () => {
    const attempt = connectMongo({
      url: 'mongodb://app:s3cret@127.0.0.1:1/',
      dbName: 'novamart_probe',
      options: { serverSelectionTimeoutMS: 300 },
    });
    await expect(attempt).rejects.toThrow(
      /^Cannot connect to MongoDB at mongodb:\/\/app:\*\*\*@127\.0\.0\.1:1\/ \(database novamart_probe\): /,
    );
    await expect(attempt).rejects.not.toThrow(/s3cret/);
  });

  it('redacts only the password', () => {
    expect(redactUrl('mongodb://127.0.0.1:27017')).toBe('mongodb://127.0.0.1:27017');
    expect(redactUrl('mongodb+srv://u:p@cluster.example/db?retryWrites=true')).toBe(
      'mongodb+srv://u:***@cluster.example/db?retryWrites=true',
    );
  });
});

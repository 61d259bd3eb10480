/**
 * Execution of a validated virtio-blk request against the back end (§5.2.6): data moves between the back end
 * and guest memory through data-path.ts (straight into mapped guest RAM, or copied in bounded chunks; a read
 * copied after a reset goes nowhere). A request's data is bounded; back-end failures become IOERR.
 */
import { type GuestMemory } from '../../memory';
import { scatter } from '../../queue/chain-io';
import { BLK_LIFETIME_SIZE, BLK_SECTOR_SIZE } from '../../spec-tables';
import { type BlockBackend } from './backend';
import { readIntoGuest, readIntoGuestCached, readIntoGuestSync, writeFromGuest, writeFromGuestSync } from './data-path';
import { type BlkLifetime } from './options';
import { BLK_S, type BlkRequest } from './request';

export interface BlkExecContext {
  mem: GuestMemory;
  backend: BlockBackend;
  /** The 20-byte GET_ID answer. */
  serial: Uint8Array;
  lifetime: BlkLifetime;
  /** write_zeroes_may_unmap: whether WRITE_ZEROES with unmap may deallocate. */
  mayUnmap: boolean;
  /** Writethrough cache: completed writes must be stable, so flush after each (§5.2.6.2). */
  writethrough(): boolean;
  /** False once the device was reset after the request started: its results go nowhere. */
  alive(): boolean;
  /** Most data bytes one READ or WRITE may move (seg_max × size_max); larger ones fail with IOERR. */
  maxDataBytes: number;
}

export interface BlkOutcome {
  status: number;
  /** Data bytes written into the chain (the status byte not included). */
  written: number;
  /** Why the back end failed, when status is IOERR. */
  error?: string;
}

const byteOffset = (sector: bigint): number => Number(sector) * BLK_SECTOR_SIZE;

export async function executeBlk(req: BlkRequest, ctx: BlkExecContext): Promise<BlkOutcome> {
  try {
    return await run(req, ctx);
  } catch (e) {
    return { status: BLK_S.IOERR, written: 0, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * A READ or WRITE of at most `syncMax` data bytes done on this thread (synchronous preadv/pwritev straight
 * into or out of lent guest memory): undefined when it must go the asynchronous way — another kind, larger,
 * a write that must be flushed (writethrough), or memory / a back end without the synchronous path.
 */
export function executeBlkSync(req: BlkRequest, ctx: Omit<BlkExecContext, 'alive'>, syncMax: number): BlkOutcome | undefined {
  if ((req.kind !== 'IN' && req.kind !== 'OUT') || req.dataLen > syncMax || req.dataLen > ctx.maxDataBytes) return undefined;
  try {
    if (req.kind === 'IN') {
      const written = readIntoGuestSync(ctx.mem, ctx.backend, byteOffset(req.sector), req.data, req.dataLen);
      return written === undefined ? undefined : { status: BLK_S.OK, written };
    }
    // Writethrough: the write must be stable before it completes; only a back end that can flush on this
    // thread without waiting (an in-memory disk) does that here.
    const flushSync = ctx.writethrough() ? ctx.backend.flushSync : undefined;
    if (ctx.writethrough() && !flushSync) return undefined;
    if (!writeFromGuestSync(ctx.mem, ctx.backend, byteOffset(req.sector), req.data)) return undefined;
    flushSync?.call(ctx.backend);
    return { status: BLK_S.OK, written: 0 };
  } catch (e) {
    return { status: BLK_S.IOERR, written: 0, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * A READ larger than the synchronous limit done on this thread when the back end's page cache holds all of
 * it (one preadv2 RWF_NOWAIT straight into lent guest memory: never waits for the disk); undefined when it
 * must go the asynchronous way (not a READ, over the request limit, not all cached, memory that cannot be lent).
 */
export function executeBlkCached(req: BlkRequest, ctx: Omit<BlkExecContext, 'alive'>): BlkOutcome | undefined {
  if (req.kind !== 'IN' || req.dataLen > ctx.maxDataBytes) return undefined;
  try {
    const written = readIntoGuestCached(ctx.mem, ctx.backend, byteOffset(req.sector), req.data, req.dataLen);
    return written === undefined ? undefined : { status: BLK_S.OK, written };
  } catch (e) {
    return { status: BLK_S.IOERR, written: 0, error: e instanceof Error ? e.message : String(e) };
  }
}

async function run(req: BlkRequest, ctx: BlkExecContext): Promise<BlkOutcome> {
  const { backend, mem } = ctx;
  switch (req.kind) {
    case 'IN':
    case 'OUT': {
      if (req.dataLen > ctx.maxDataBytes) {
        // Legal lengths can add up to gigabytes (descriptors may alias one buffer): refuse, never allocate.
        const error = `${req.kind} of ${req.dataLen} data bytes is more than the ${ctx.maxDataBytes} bytes a request may move (seg_max × size_max)`;
        return { status: BLK_S.IOERR, written: 0, error };
      }
      if (req.kind === 'IN') {
        const written = await readIntoGuest(mem, backend, byteOffset(req.sector), req.data, req.dataLen, ctx.alive);
        return { status: BLK_S.OK, written: ctx.alive() ? written : 0 };
      }
      await writeFromGuest(mem, backend, byteOffset(req.sector), req.data, req.dataLen);
      if (ctx.writethrough()) await backend.flush();
      return { status: BLK_S.OK, written: 0 };
    }
    case 'FLUSH':
      await backend.flush();
      return { status: BLK_S.OK, written: 0 };
    case 'GET_ID':
      return { status: BLK_S.OK, written: scatter(mem, req.data, ctx.serial, 0) };
    case 'GET_LIFETIME': {
      const b = new Uint8Array(BLK_LIFETIME_SIZE);
      const v = new DataView(b.buffer);
      v.setUint16(0, ctx.lifetime.preEol, true);
      v.setUint16(2, ctx.lifetime.typA, true);
      v.setUint16(4, ctx.lifetime.typB, true);
      return { status: BLK_S.OK, written: scatter(mem, req.data, b, 0) };
    }
    case 'DISCARD':
    case 'WRITE_ZEROES':
    case 'SECURE_ERASE': {
      for (const r of req.ranges) {
        if (r.sectors === 0) continue;
        const off = byteOffset(r.sector);
        const len = r.sectors * BLK_SECTOR_SIZE;
        if (req.kind === 'DISCARD') await backend.discard(off, len);
        else await backend.writeZeroes(off, len, req.kind === 'WRITE_ZEROES' && r.unmap && ctx.mayUnmap);
      }
      // A secure erase is only done once the zeroes reached the storage.
      if (req.kind === 'SECURE_ERASE' || ctx.writethrough()) await backend.flush();
      return { status: BLK_S.OK, written: 0 };
    }
  }
}

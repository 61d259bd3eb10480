/**
 * The in-process transport: the virtio-mmio version 2 register model (§4.2) in front of a device.
 * The reference driver talks to it exactly as a kernel driver talks to a virtio-mmio window, and every
 * register-level mistake is judged (access width, read-only/write-only registers, legacy registers,
 * queue set-up while enabled, missing InterruptACK).
 */
import { type DeviceHost, type VirtioDevice } from '../../device-core/device';
import { type QueueRuntime } from '../../device-core/queue-runtime';
import { type RuleId } from '../../rules';
import {
  INT_CONFIG_CHANGE,
  INT_USED_BUFFER,
  LEGACY,
  MMIO_MAGIC,
  MMIO_VENDOR,
  READ_ONLY,
  REG,
  WRITE_ONLY,
  registerName,
} from './registers';

/** Which address parts of a queue the driver wrote since the queue was last reset. */
interface QueueSetup {
  descLow: boolean;
  descHigh: boolean;
  driverLow: boolean;
  driverHigh: boolean;
  deviceLow: boolean;
  deviceHigh: boolean;
}

const freshSetup = (): QueueSetup => ({ descLow: false, descHigh: false, driverLow: false, driverHigh: false, deviceLow: false, deviceHigh: false });

export class MmioTransport implements DeviceHost {
  readonly kind = 'mmio' as const;
  interruptStatus = 0;
  /** The driver's interrupt line; called (asynchronously, like an IRQ) whenever the device interrupts. */
  onInterrupt: (() => void) | undefined;
  private deviceFeaturesSel = 0;
  private driverFeaturesSel = 0;
  private queueSel = 0;
  private setups: QueueSetup[];
  /** The driver's interrupt handler has run since the last interrupt was raised. */
  private delivered = true;
  /** The driver notified a queue after its handler ran (it is active, yet left the interrupt unacknowledged). */
  private notifiedSinceDelivery = false;
  private irqPending = false;

  constructor(readonly device: VirtioDevice) {
    device.host = this;
    this.setups = device.queues.map(freshSetup);
  }

  private violation(rule: RuleId, message: string, offset: number, queue?: QueueRuntime): void {
    this.device.violation(rule, message, { index: offset, once: rule.startsWith('mmio-'), ...(queue ? { queue } : {}) });
  }

  private get selected(): QueueRuntime | undefined {
    return this.device.queue(this.queueSel);
  }

  /** A driver read of `width` bytes at `offset` into the register window. */
  read(offset: number, width: 1 | 2 | 4 | 8 = 4): number {
    if (offset >= REG.Config) return this.device.readConfig(offset - REG.Config, width);
    if (!this.checkWidth(offset, width)) return 0;
    if (WRITE_ONLY.has(offset)) this.violation('mmio-register-writeonly', `read of write-only register ${registerName(offset)}`, offset);
    const q = this.selected;
    switch (offset) {
      case REG.MagicValue:
        return MMIO_MAGIC;
      case REG.Version:
        return 2;
      case REG.DeviceID:
        return this.device.deviceId;
      case REG.VendorID:
        return MMIO_VENDOR;
      case REG.DeviceFeatures:
        return this.device.readDeviceFeatureWord(this.deviceFeaturesSel);
      case REG.QueueNumMax:
        return q ? q.spec.maxSize : 0;
      case REG.QueueReady:
        return q?.enabled ? 1 : 0;
      case REG.InterruptStatus:
        return this.interruptStatus;
      case REG.Status:
        return this.device.readStatus();
      case REG.QueueReset:
        return 0;
      case REG.ConfigGeneration:
        return this.device.config.generation;
      case REG.SHMLenLow:
      case REG.SHMLenHigh:
        return 0xffff_ffff; // no shared memory regions
      case REG.SHMBaseLow:
      case REG.SHMBaseHigh:
        return 0xffff_ffff;
      default:
        if (LEGACY.has(offset)) {
          this.violation('mmio-legacy-register', `read of legacy register ${registerName(offset)} on a Version 2 device`, offset);
        } else if (!WRITE_ONLY.has(offset)) {
          this.violation('mmio-unknown-register', `read at undefined register offset ${registerName(offset)}`, offset);
        }
        return 0;
    }
  }

  /** A driver write of `width` bytes at `offset`. */
  write(offset: number, value: number, width: 1 | 2 | 4 | 8 = 4): void {
    if (offset >= REG.Config) {
      const bytes = new Uint8Array(width);
      let v = BigInt(value);
      for (let i = 0; i < width; i++, v >>= 8n) bytes[i] = Number(v & 0xffn);
      this.device.writeConfig(offset - REG.Config, bytes);
      return;
    }
    if (!this.checkWidth(offset, width)) return;
    value >>>= 0;
    if (READ_ONLY.has(offset)) {
      this.violation('mmio-register-readonly', `write of 0x${value.toString(16)} to read-only register ${registerName(offset)}`, offset);
      return;
    }
    if (LEGACY.has(offset)) {
      this.violation('mmio-legacy-register', `write to legacy register ${registerName(offset)} on a Version 2 device (use QueueDesc/QueueDriver/QueueDevice and QueueReady)`, offset);
      return;
    }
    const q = this.selected;
    switch (offset) {
      case REG.DeviceFeaturesSel:
        this.deviceFeaturesSel = value;
        return;
      case REG.DriverFeaturesSel:
        this.driverFeaturesSel = value;
        return;
      case REG.DriverFeatures:
        this.device.writeDriverFeatureWord(this.driverFeaturesSel, value);
        return;
      case REG.QueueSel:
        this.queueSel = value;
        return;
      case REG.QueueNum:
        if (this.queueWritable(offset, q)) q!.size = value;
        return;
      case REG.QueueDescLow:
      case REG.QueueDescHigh:
      case REG.QueueDriverLow:
      case REG.QueueDriverHigh:
      case REG.QueueDeviceLow:
      case REG.QueueDeviceHigh:
        if (this.queueWritable(offset, q)) this.setAddress(q!, offset, value);
        return;
      case REG.QueueReady:
        if (q) this.setReady(q, value);
        else this.violation('notify-invalid-queue', `QueueReady written for queue ${this.queueSel}, which does not exist`, offset);
        return;
      case REG.QueueNotify:
        if (this.delivered) this.notifiedSinceDelivery = true;
        // §4.2.3.3: with NOTIFICATION_DATA the upper 16 bits carry next_off | next_wrap << 15.
        this.device.notify(value & 0xffff, this.device.ringFeatures().notificationData ? value >>> 16 : undefined);
        return;
      case REG.InterruptACK:
        this.interruptStatus &= ~value;
        return;
      case REG.Status:
        if (value === 0) {
          this.interruptStatus = 0;
          this.setups = this.device.queues.map(freshSetup);
        }
        this.device.writeStatus(value);
        return;
      case REG.QueueReset:
        if (q && value === 1) {
          this.device.resetQueue(q);
          this.setups[q.index] = freshSetup();
        }
        return;
      case REG.SHMSel:
        return;
      default:
        this.violation('mmio-unknown-register', `write of 0x${value.toString(16)} at undefined register offset ${registerName(offset)}`, offset);
    }
  }

  /** §4.2.2.2: control registers take 32-bit aligned accesses only. */
  private checkWidth(offset: number, width: number): boolean {
    if (width === 4 && offset % 4 === 0) return true;
    this.violation('mmio-access-width', `${width * 8}-bit access at ${registerName(offset)}${offset % 4 ? ' (unaligned)' : ''}; control registers need 32-bit aligned accesses`, offset);
    return false;
  }

  private queueWritable(offset: number, q: QueueRuntime | undefined): boolean {
    if (!q) {
      this.violation('notify-invalid-queue', `${registerName(offset)} written for queue ${this.queueSel}, which does not exist`, offset);
      return false;
    }
    if (q.enabled) {
      this.violation('queue-changed-while-enabled', `${registerName(offset)} written while ${q.name} is enabled`, offset, q);
      return false;
    }
    return true;
  }

  private setAddress(q: QueueRuntime, offset: number, value: number): void {
    const s = this.setups[q.index]!;
    const low = (cur: number) => Math.floor(cur / 0x1_0000_0000) * 0x1_0000_0000 + value;
    const high = (cur: number) => value * 0x1_0000_0000 + (cur % 0x1_0000_0000);
    switch (offset) {
      case REG.QueueDescLow:
        q.desc = low(q.desc);
        s.descLow = true;
        break;
      case REG.QueueDescHigh:
        q.desc = high(q.desc);
        s.descHigh = true;
        break;
      case REG.QueueDriverLow:
        q.driver = low(q.driver);
        s.driverLow = true;
        break;
      case REG.QueueDriverHigh:
        q.driver = high(q.driver);
        s.driverHigh = true;
        break;
      case REG.QueueDeviceLow:
        q.device = low(q.device);
        s.deviceLow = true;
        break;
      case REG.QueueDeviceHigh:
        q.device = high(q.device);
        s.deviceHigh = true;
    }
  }

  private setReady(q: QueueRuntime, value: number): void {
    if (value === 0) {
      if (q.enabled) this.device.disableQueue(q);
      return;
    }
    if (q.enabled) return;
    const s = this.setups[q.index]!;
    const missing = [
      !s.descLow && 'QueueDescLow',
      !s.driverLow && 'QueueDriverLow',
      !s.deviceLow && 'QueueDeviceLow',
    ].filter(Boolean);
    if (missing.length) {
      this.violation('queue-enabled-incomplete', `${q.name} enabled before ${missing.join(', ')} was written`, REG.QueueReady, q);
    }
    this.device.enableQueue(q);
  }

  inspect(): { name: string; value: string }[] {
    const h = (v: number) => '0x' + (v >>> 0).toString(16);
    return [
      { name: 'MagicValue', value: h(MMIO_MAGIC) },
      { name: 'Version', value: '2' },
      { name: 'DeviceID', value: String(this.device.deviceId) },
      { name: 'VendorID', value: h(MMIO_VENDOR) },
      { name: 'DeviceFeaturesSel', value: String(this.deviceFeaturesSel) },
      { name: 'DriverFeaturesSel', value: String(this.driverFeaturesSel) },
      { name: 'QueueSel', value: String(this.queueSel) },
      { name: 'InterruptStatus', value: h(this.interruptStatus) },
      { name: 'Status', value: h(this.device.status) },
      { name: 'ConfigGeneration', value: String(this.device.config.generation) },
    ];
  }

  // ---- DeviceHost: interrupts (§4.2.3.4)
  interrupt(kind: 'used' | 'config'): void {
    const bitValue = kind === 'used' ? INT_USED_BUFFER : INT_CONFIG_CHANGE;
    if (this.interruptStatus & bitValue && this.delivered && this.notifiedSinceDelivery) {
      this.violation(
        'mmio-interrupt-not-acked',
        `the device raised a ${kind === 'used' ? 'used-buffer' : 'config-change'} interrupt while the previous one was never acknowledged (InterruptStatus 0x${this.interruptStatus.toString(16)})`,
        REG.InterruptACK,
      );
    }
    this.interruptStatus |= bitValue;
    this.delivered = false;
    this.notifiedSinceDelivery = false;
    if (this.irqPending) return;
    this.irqPending = true;
    queueMicrotask(() => {
      this.irqPending = false;
      this.delivered = true;
      this.onInterrupt?.();
    });
  }
}

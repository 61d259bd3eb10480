/** Who may access a transport register: read-only, write-only or read-write (from the driver's side). */
export type RegisterAccess = 'r' | 'w' | 'rw';

/** One transport register (virtio-mmio or the PCI common configuration structure). */
export interface RegisterInfo {
  readonly offset: number;
  /** Spec name (MagicValue, queue_desc). */
  readonly name: string;
  /** Linux uapi constant (VIRTIO_MMIO_MAGIC_VALUE, VIRTIO_PCI_COMMON_Q_DESCLO). */
  readonly constant: string;
  /** Access width in bytes. */
  readonly width: number;
  readonly access: RegisterAccess;
  readonly meaning: string;
  readonly section: string;
  /** Only in the legacy (version 1) interface. */
  readonly legacy?: boolean;
  /** Only in the modern (version 2) interface. */
  readonly modern?: boolean;
}

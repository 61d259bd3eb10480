/**
 * Where the VIRTIO specification is read: every layer that shows a spec section (hovers, exceptions,
 * panels) links to this document. Its HTML has generated anchors only, so links open the document.
 */
export const VIRTIO_SPEC_URL = 'https://docs.oasis-open.org/virtio/virtio/v1.3/virtio-v1.3.html';

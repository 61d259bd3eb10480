// SPDX-License-Identifier: MIT
/*
 * A tiny virtio driver, the sample source of `npm start`: hover a constant (VIRTIO_NET_F_MRG_RXBUF,
 * VIRTQ_DESC_F_WRITE, VIRTIO_CONFIG_S_DRIVER_OK) to see its value, meaning and spec section; while a
 * Virtio session runs, the hover also shows what the session negotiated.
 */
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

static int tiny_net_probe(struct virtio_device *vdev)
{
	bool mergeable = virtio_has_feature(vdev, VIRTIO_NET_F_MRG_RXBUF);
	unsigned int hdr_len = mergeable ? sizeof(struct virtio_net_hdr_mrg_rxbuf) : sizeof(struct virtio_net_hdr);

	dev_info(&vdev->dev, "header %u bytes\n", hdr_len);
	return 0;
}

/* A receive buffer is device-writable: the device fills it. */
static void tiny_fill_rx_desc(struct vring_desc *desc, u64 addr, u32 len)
{
	desc->addr = cpu_to_le64(addr);
	desc->len = cpu_to_le32(len);
	desc->flags = cpu_to_le16(VRING_DESC_F_WRITE);
}

static void tiny_ready(struct virtio_device *vdev)
{
	vdev->config->set_status(vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
}

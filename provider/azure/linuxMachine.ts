/**
 * What the account host VM and the pools' scale sets share: the Ubuntu image, SSH-key-only login,
 * and the managed OS disk made from the image.
 */

/** A marketplace image; default Canonical Ubuntu 24.04 LTS (`ubuntu-24_04-lts`, `server`, latest). */
export interface AzureImage {
  publisher: string;
  offer: string;
  sku: string;
  version?: string;
}

export const DEFAULT_AZURE_IMAGE: AzureImage = {
  publisher: "Canonical",
  offer: "ubuntu-24_04-lts",
  sku: "server",
  version: "latest",
};

/** Linux login by SSH key only (Azure requires a key or a password; passwords stay off). */
export function sshOnlyLinuxConfiguration<Key>(adminUsername: string, keyData: Key) {
  return {
    disablePasswordAuthentication: true,
    ssh: { publicKeys: [{ path: `/home/${adminUsername}/.ssh/authorized_keys`, keyData }] },
  };
}

/** The storage profile: the image (default Ubuntu 24.04) on a managed OS disk of the given type. */
export function storageProfileFromImage(image: AzureImage | undefined, storageAccountType: string) {
  return {
    imageReference: { ...DEFAULT_AZURE_IMAGE, ...image },
    osDisk: { createOption: "FromImage", caching: "ReadWrite" as const, managedDisk: { storageAccountType } },
  };
}

#!/bin/sh
# The example's application: says where it runs and which certificate files the node has.
echo "hello from node ${AZ_BATCH_NODE_ID} of pool ${AZ_BATCH_POOL_ID}"
for file in "${AZ_BATCH_CERTIFICATES_DIR}"/*.pem; do
  echo "certificate $(basename "$file") $(openssl x509 -in "$file" -noout -subject)"
done

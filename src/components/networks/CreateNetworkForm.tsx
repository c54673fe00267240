import React, { useState } from 'react';
import { Button, Checkbox, Field, Input, Select, Stack } from '@grafana/ui';
import type { NetworkCreateRequestInput } from '@fleetlens/protocol/api';

/** A node the form can create a network on. */
export interface NodeChoice {
  cluster: string;
  node: string;
}

/**
 * "Create network" for editors: node, name, driver, subnet, internal, as `docker network create`
 * takes them. The backend validates (400 naming the field) and refuses a name the node has (409).
 */
export function CreateNetworkForm({
  nodes,
  disabled,
  onSubmit,
}: {
  nodes: NodeChoice[];
  disabled: boolean;
  onSubmit: (body: NetworkCreateRequestInput) => void;
}) {
  const [target, setTarget] = useState<string>(nodes[0] ? `${nodes[0].cluster}/${nodes[0].node}` : '');
  const [name, setName] = useState('');
  const [driver, setDriver] = useState('bridge');
  const [subnet, setSubnet] = useState('');
  const [internal, setInternal] = useState(false);
  const options = nodes.map((n) => ({ label: `${n.node} (${n.cluster})`, value: `${n.cluster}/${n.node}` }));
  const chosen = nodes.find((n) => `${n.cluster}/${n.node}` === target);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (!chosen) {
      return;
    }
    onSubmit({
      cluster: chosen.cluster,
      node: chosen.node,
      name: name.trim(),
      ...(driver.trim() ? { driver: driver.trim() } : {}),
      ...(subnet.trim() ? { subnet: subnet.trim() } : {}),
      ...(internal ? { internal } : {}),
    });
  };
  return (
    <form aria-label="Create network" onSubmit={submit}>
      <Stack gap={2} wrap="wrap" alignItems="flex-end">
        <Field label="Node">
          <Select
            inputId="network-node"
            aria-label="Node"
            options={options}
            value={target}
            onChange={(v) => setTarget(String(v.value))}
            width={30}
          />
        </Field>
        <Field label="Name">
          <Input id="network-name" value={name} onChange={(e) => setName(e.currentTarget.value)} width={24} />
        </Field>
        <Field label="Driver">
          <Input id="network-driver" value={driver} onChange={(e) => setDriver(e.currentTarget.value)} width={14} />
        </Field>
        <Field label="Subnet" description="optional, e.g. 172.30.0.0/24">
          <Input id="network-subnet" value={subnet} onChange={(e) => setSubnet(e.currentTarget.value)} width={20} />
        </Field>
        <Field label="Internal">
          <Checkbox label="No outside access" value={internal} onChange={(e) => setInternal(e.currentTarget.checked)} />
        </Field>
        <Button type="submit" disabled={disabled || !chosen || !name.trim()}>
          Create network
        </Button>
      </Stack>
    </form>
  );
}

/**
 * Multicast senders and receivers in lab containers, for the multicast lab test and benchmark:
 * small node programs over UDP (the kernel in each container sends the IGMP reports).
 */
import type { ChildProcess } from 'node:child_process';
import type { Lab } from './lab.js';

/**
 * A receiver: a UDP socket on `port` that joins `group` on command (`join`, `leave` on stdin)
 * and counts datagrams by sender tag; `count` prints the counts (and resets them) and the ms
 * from the last join to the first datagram after it (-1: none yet).
 */
function receiverProgram(group: string, port: number): string {
  return `
const dgram=require('dgram');const s=dgram.createSocket({type:'udp4',reuseAddr:true});
let counts={},joinedAt=0,firstAfterJoin=-1;
s.on('message',(m)=>{const k=m.toString().split(' ')[0];counts[k]=(counts[k]||0)+1;if(joinedAt&&firstAfterJoin<0)firstAfterJoin=Date.now()-joinedAt;});
s.bind(${port},()=>console.log('ready'));
let buf='';process.stdin.on('data',(d)=>{buf+=d;let i;while((i=buf.indexOf('\\n'))>=0){const c=buf.slice(0,i);buf=buf.slice(i+1);
 if(c==='join'){joinedAt=Date.now();firstAfterJoin=-1;s.addMembership('${group}');console.log('ok');}
 else if(c==='leave'){s.dropMembership('${group}');console.log('ok');}
 else if(c==='count'){console.log(JSON.stringify({counts,firstAfterJoin}));counts={};}}});
`;
}

/** The command that sends `count` datagrams tagged `tag` to `group`:`port`, `pps` a second (paced by elapsed time, sent in small bursts). */
export function multicastSendCmd(group: string, port: number, tag: string, count: number, pps: number): string[] {
  const js = `const s=require('dgram').createSocket('udp4');s.bind(()=>{s.setMulticastTTL(4);let i=0;const t0=Date.now();
const t=setInterval(()=>{const due=Math.min(${count},Math.floor((Date.now()-t0)*${pps}/1000)+1);while(i<due)s.send('${tag} '+(i++),${port},'${group}');
if(i>=${count}){clearInterval(t);setTimeout(()=>process.exit(0),200);}},5);});`;
  return [process.execPath, '-e', js];
}

/** A running receiver: `ask` writes a command and resolves with its answer line. */
export interface Receiver {
  proc: ChildProcess;
  ask(cmd: string): Promise<string>;
}

/** Starts a receiver in `container` (collected in `procs` for cleanup); resolves once its socket is bound. */
export function startMulticastReceiver(lab: Lab, container: string, group: string, port: number, procs: ChildProcess[]): Promise<Receiver> {
  const proc = lab.spawnIn(container, [process.execPath, '-e', receiverProgram(group, port)]);
  procs.push(proc);
  const lines: string[] = [];
  const waiters: Array<(l: string) => void> = [];
  let buf = '';
  proc.stdout!.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiters.shift();
      if (w) w(l);
      else lines.push(l);
    }
  });
  const next = () => new Promise<string>((res) => (lines.length ? res(lines.shift()!) : waiters.push(res)));
  const r: Receiver = {
    proc,
    ask: async (cmd) => {
      proc.stdin!.write(cmd + '\n');
      return next();
    },
  };
  return next().then(() => r);
}

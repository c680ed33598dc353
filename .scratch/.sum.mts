import { summariseProfile } from '/work/main/bench/lib/cpu-profile.ts';
const s = summariseProfile(process.argv[2]!); console.table(s.places); console.table(s.functions);

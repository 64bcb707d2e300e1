export declare const BUSYBOX_IMAGE: string;
export declare const REDIS_IMAGE: string;
export declare function ensureBusyboxImage(): Promise<string>;
export declare function ensureRedisImage(binary?: string): Promise<string>;

export { type DescribeOptions, describeStorageClasses } from "./describe-storage-classes.ts";
export { StorageClass, type StorageClassSpec } from "./storage-class.ts";
export {
  DEFAULT_STORAGE_CLASSES_PATH,
  defaultStorageClasses,
  StorageClassFactory,
} from "./storage-class-factory.ts";

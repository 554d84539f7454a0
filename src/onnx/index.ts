/**
 * rnnkit/onnx: a trained model as an ONNX file, for inference wherever ONNX
 * runs (onnxruntime in Node and in the browser, and elsewhere). Its own entry,
 * so that apps that train and run models do not carry it; it exports the
 * models of the 'rnnkit' entry the app imports.
 */
export { toONNX, type OnnxExportOptions } from './export.js';
